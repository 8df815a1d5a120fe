package edge

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge/lync"
	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/labdns"
)

// Lab is everything a command needs from the configuration and the lab directory:
// the CA, the Edge's own certificate, the trust pool, the zones, the resolver and the policy.
type Lab struct {
	Config       config.Config
	CA           *certs.CA
	EdgeCert     tls.Certificate
	EdgeCertFile string
	EdgeKeyFile  string
	Roots        *x509.CertPool
	Zones        *labdns.ZoneSet
	Resolver     labdns.Resolver
	Policy       *policy.Policy
	EdgeLogFile  string
	// TLSMin and TLSMax are edge.tls parsed once; RTPLow and RTPHigh are edge.rtp_ports.
	TLSMin, TLSMax  uint16
	TLSSuites       []uint16 // the profile's cipher suites, both directions
	RTPLow, RTPHigh int
	// Profile is edge.client_profile: how the Skype user behind the Edge writes its messages.
	Profile lync.Profile
}

// OpenLab prepares the lab directory (creating the CA and the Edge certificate on first use) and
// builds the Edge's policy from cfg. It never leaves a half-written lab: errors name the file.
func OpenLab(cfg config.Config) (*Lab, error) {
	l := &Lab{Config: cfg}
	var err error
	if l.TLSMin, l.TLSMax, err = cfg.Edge.TLS.Versions(); err != nil {
		return nil, fmt.Errorf("edge.tls: %w", err)
	}
	l.TLSSuites = cfg.Edge.TLS.Suites()
	if l.RTPLow, l.RTPHigh, err = config.RTPPortRange(cfg.Edge.RTPPorts); err != nil {
		return nil, fmt.Errorf("edge.rtp_ports: %w", err)
	}
	if l.Profile, err = lync.ParseProfile(cfg.Edge.ClientProfile); err != nil {
		return nil, fmt.Errorf("edge.client_profile: %w", err)
	}
	ca, _, err := certs.EnsureCA(cfg.Lab.Dir, certs.IssuerLab, certs.CAOptions{})
	if err != nil {
		return nil, fmt.Errorf("lab CA: %w", err)
	}
	l.CA = ca
	if err := l.loadEdgeCert(); err != nil {
		return nil, err
	}
	var anchors []string
	if l.Roots, anchors, err = TrustPool(cfg, ca); err != nil {
		return nil, err
	}
	if l.Zones, err = labdns.ParseZones(labdns.ZonesOrDefault(cfg.DNS.Zones)); err != nil {
		return nil, fmt.Errorf("dns.zones: %w", err)
	}
	if l.Resolver, err = labdns.NewResolver(cfg.DNS.Resolver, l.Zones, labdns.ResolverOptions{Timeout: cfg.DNS.Timeout}); err != nil {
		return nil, fmt.Errorf("dns.resolver: %w", err)
	}
	l.Policy = NewPolicy(cfg.Edge, l.Roots, anchors)
	l.EdgeLogFile = cfg.Edge.EdgeLog.File
	if l.EdgeLogFile == "" {
		l.EdgeLogFile = filepath.Join(cfg.Lab.Dir, "edge.log")
	}
	return l, nil
}

// NewPolicy turns the edge section of the configuration into the pure policy; anchors name the roots.
func NewPolicy(e config.Edge, roots *x509.CertPool, anchors []string) *policy.Policy {
	allowed := make(map[string]string, len(e.Federation.Allowed))
	for _, a := range e.Federation.Allowed {
		allowed[policy.Normalize(a.Domain)] = a.ProxyFQDN
	}
	return &policy.Policy{
		FQDN:             e.FQDN,
		Domains:          e.Domains,
		Users:            e.Users,
		Roots:            roots,
		TrustAnchors:     anchors,
		PartnerDiscovery: e.Federation.PartnerDiscovery,
		Allowed:          allowed,
		Blocked:          e.Federation.Blocked,
	}
}

// TrustPool is the set of roots the Edge accepts: a public CA or an imported private root (§1),
// with their subject CNs for the rule trace. onprem trusts the lab CA, trust.ca_files and
// trust.public_ca_files; office365 only the public ones.
func TrustPool(cfg config.Config, labCA *certs.CA) (*x509.CertPool, []string, error) {
	t := cfg.Edge.Trust
	files := t.PublicCAFiles
	if t.Profile != config.ProfileOffice365 {
		files = append(append([]string{}, t.CAFiles...), t.PublicCAFiles...)
		files = append(files, "") // the lab CA, added below
	}
	pool := x509.NewCertPool()
	var anchors []string
	for _, f := range files {
		var list []*x509.Certificate
		if f == "" {
			list = []*x509.Certificate{labCA.Cert}
		} else {
			var err error
			if list, err = certs.ReadCertificates(f); err != nil {
				return nil, nil, fmt.Errorf("edge.trust: trust pool: %w", err)
			}
		}
		for _, c := range list {
			pool.AddCert(c)
			anchors = append(anchors, c.Subject.CommonName)
		}
	}
	return pool, anchors, nil
}

// EdgeCertFiles are the Edge's certificate and key: edge.cert_file/key_file, else the lab's
// edge.pem and edge.key, which OpenLab issues on first use.
func EdgeCertFiles(cfg config.Config) (certFile, keyFile string) {
	if cfg.Edge.CertFile != "" {
		return cfg.Edge.CertFile, cfg.Edge.KeyFile
	}
	prefix := filepath.Join(cfg.Lab.Dir, "edge")
	return prefix + ".pem", prefix + ".key"
}

// loadEdgeCert uses edge.cert_file when given; otherwise the lab's edge.pem, issued anew when missing,
// expiring, not naming edge.fqdn or not from the current lab CA.
func (l *Lab) loadEdgeCert() error {
	e := l.Config.Edge
	l.EdgeCertFile, l.EdgeKeyFile = EdgeCertFiles(l.Config)
	c, err := certs.LoadKeyPair(l.EdgeCertFile, l.EdgeKeyFile)
	if e.CertFile != "" {
		if err != nil {
			return fmt.Errorf("edge.cert_file: %w", err)
		}
		l.EdgeCert = c
		return nil
	}
	if err == nil && l.edgeCertUsable(c) {
		l.EdgeCert = c
		return nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("edge certificate: %w (delete it to have a new one issued)", err)
	}
	leaf, err := l.CA.Issue(certs.LeafRequest{CommonName: e.FQDN})
	if err != nil {
		return fmt.Errorf("edge certificate: %w", err)
	}
	if _, _, err := leaf.WriteFiles(strings.TrimSuffix(l.EdgeCertFile, ".pem")); err != nil {
		return fmt.Errorf("edge certificate: %w", err)
	}
	l.EdgeCert = leaf.TLSCertificate()
	return nil
}

func (l *Lab) edgeCertUsable(c tls.Certificate) bool {
	if c.Leaf == nil {
		return false
	}
	roots := x509.NewCertPool()
	roots.AddCert(l.CA.Cert)
	res := certs.Check(certs.CheckInput{Chain: []*x509.Certificate{c.Leaf}, FQDN: l.Config.Edge.FQDN,
		Roots: roots, Now: time.Now().Add(24 * time.Hour), Usage: x509.ExtKeyUsageServerAuth})
	return res.Fault == certs.FaultNone
}

// OpenEdgeLog opens the Edge log for appending (0600: it holds peer names and call ids).
func (l *Lab) OpenEdgeLog() (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(l.EdgeLogFile), 0o700); err != nil {
		return nil, fmt.Errorf("edge log %s: %w", l.EdgeLogFile, err)
	}
	f, err := os.OpenFile(l.EdgeLogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("edge log: %w", err)
	}
	return f, nil
}
