package edge

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
)

// Which CAs each trust profile accepts, through the pool OpenLab builds from configuration.
func TestTrustPoolProfiles(t *testing.T) {
	p := newTestPKI(t)
	untrustedFile, _ := certs.IssuerUntrusted.Files(p.Dir)
	publicFile, _ := certs.IssuerPublic.Files(p.Dir)
	chains := map[certs.Issuer][]*x509.Certificate{}
	for _, iss := range []certs.Issuer{certs.IssuerLab, certs.IssuerUntrusted, certs.IssuerPublic} {
		chains[iss] = p.Chain(iss, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	}
	tests := []struct {
		name   string
		trust  config.Trust
		trusts map[certs.Issuer]bool
	}{
		{"onprem: the lab CA only", config.Trust{Profile: config.ProfileOnPrem},
			map[certs.Issuer]bool{certs.IssuerLab: true}},
		{"onprem: plus an imported private root and a public CA", config.Trust{Profile: config.ProfileOnPrem,
			CAFiles: []string{untrustedFile}, PublicCAFiles: []string{publicFile}},
			map[certs.Issuer]bool{certs.IssuerLab: true, certs.IssuerUntrusted: true, certs.IssuerPublic: true}},
		{"office365: public CAs only", config.Trust{Profile: config.ProfileOffice365,
			CAFiles: []string{untrustedFile}, PublicCAFiles: []string{publicFile}},
			map[certs.Issuer]bool{certs.IssuerPublic: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.Edge.Trust = tc.trust
			pool, _, err := TrustPool(cfg, p.LabCA)
			if err != nil {
				t.Fatal(err)
			}
			for iss, chain := range chains {
				res := certs.Check(certs.CheckInput{Chain: chain, FQDN: "vcse.acano.steven.lab", Roots: pool, Now: time.Now(), Usage: x509.ExtKeyUsageClientAuth})
				if got := res.Fault == certs.FaultNone; got != tc.trusts[iss] {
					t.Errorf("%s: trusted=%v, want %v (%s)", iss, got, tc.trusts[iss], res.Detail)
				}
			}
		})
	}
	cfg := config.Default()
	cfg.Edge.Trust.CAFiles = []string{filepath.Join(p.Dir, "missing.pem")}
	if _, _, err := TrustPool(cfg, p.LabCA); err == nil || !strings.Contains(err.Error(), "missing.pem") {
		t.Errorf("a missing CA file is not named: %v", err)
	}
}

// OpenLab issues the Edge certificate once, reuses it, and replaces one that no longer names edge.fqdn.
func TestOpenLabEdgeCertificate(t *testing.T) {
	cfg := config.Default()
	cfg.Lab.Dir = filepath.Join(t.TempDir(), "lab")
	first, err := OpenLab(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !certs.MatchesFQDN(first.EdgeCert.Leaf, "sip.skype.lab") {
		t.Fatalf("Edge certificate names %v", first.EdgeCert.Leaf.DNSNames)
	}
	for _, f := range []string{"ca.key", "edge.key"} {
		if fi, err := os.Stat(filepath.Join(cfg.Lab.Dir, f)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", f, fi, err)
		}
	}
	again, err := OpenLab(cfg)
	if err != nil || !again.EdgeCert.Leaf.Equal(first.EdgeCert.Leaf) {
		t.Errorf("the Edge certificate was not reused: %v", err)
	}
	cfg.Edge.FQDN = "edge.other.lab"
	renamed, err := OpenLab(cfg)
	if err != nil || !certs.MatchesFQDN(renamed.EdgeCert.Leaf, "edge.other.lab") {
		t.Errorf("a renamed Edge kept the old certificate: %v", err)
	}
}
