package scenarios

import (
	"fmt"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/labdns"
)

// Served is what PrepareServe made in the lab directory, so that a person can reproduce the
// scenario against a real Expressway-E.
type Served struct {
	Scenario *Scenario
	// Config is base with the scenario layered over it and lab.dir made absolute: run the Edge with it.
	Config config.Config
	// PeerCert and PeerKey are the Expressway-E's certificate as the scenario wants it, issued by
	// PeerCA; all "" when the scenario does not depend on the Expressway-E's certificate.
	PeerCert, PeerKey, PeerCA string
	// ConfigFile holds Config, to serve again with --config.
	ConfigFile string
	// SeedRecords is true when the scenario changes no zone and so serves the seed's lab records.
	SeedRecords bool
	// Records are the scenario's own DNS records, without SOA and NS, as zone-file lines; a zone
	// that publishes nothing adds none.
	Records []string
}

// PrepareServe layers sc over base and issues its files into <lab.dir>/scenarios/<name>: the
// Expressway-E's certificate and the configuration served. It starts nothing.
func PrepareServe(sc *Scenario, base config.Config) (*Served, error) {
	dir, err := filepath.Abs(base.Lab.Dir)
	if err != nil {
		return nil, fmt.Errorf("lab.dir: %w", err)
	}
	base.Lab.Dir = dir
	cas, err := EnsureLabCAs(dir)
	if err != nil {
		return nil, err
	}
	sv := &Served{Scenario: sc}
	out := filepath.Join(dir, "scenarios", sc.Name)
	if err := os.MkdirAll(out, 0o700); err != nil {
		return nil, err
	}
	leaf, err := sc.IssuePeer(dir)
	if err != nil {
		return nil, err
	}
	if leaf != nil {
		if sv.PeerCert, sv.PeerKey, err = leaf.WriteFiles(filepath.Join(out, "expressway")); err != nil {
			return nil, err
		}
		sv.PeerCA = cas[sc.Peer.Cert.IssuerName()].CertFile
	}
	if sv.Config, err = sc.Config(base); err != nil {
		return nil, err
	}
	if err := sc.issueEdgeCert(dir, out, &sv.Config); err != nil {
		return nil, err
	}
	if err := sv.Config.Validate(); err != nil {
		return nil, fmt.Errorf("scenario %s on this configuration:\n%w", sc.Name, err)
	}
	if sv.ConfigFile, err = writeServedConfig(out, sc.Name, sv.Config); err != nil {
		return nil, err
	}
	zs, err := labdns.ParseZones(sc.Zones)
	sv.SeedRecords = err != nil || len(sc.Zones) == 0
	for _, rr := range zs.OwnRecords() {
		sv.Records = append(sv.Records, rr.String())
	}
	return sv, nil
}

func writeServedConfig(dir, name string, cfg config.Config) (string, error) {
	data, err := yaml.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("configuration served: %w", err)
	}
	file := filepath.Join(dir, "edgesim.yaml")
	head := "# The configuration `edgesim run --scenario " + name + "` served; reuse it with --config.\n"
	if err := os.WriteFile(file, append([]byte(head), data...), 0o600); err != nil {
		return "", err
	}
	return file, nil
}
