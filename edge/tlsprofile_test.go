package edge

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/scenarios/standin"
)

func withTLSProfile(p string) edgeOption { return func(c *config.Config) { c.Edge.TLS.Profile = p } }

// dialEdge runs one handshake against the Edge as a client limited to [lo, hi], with a lab client certificate.
func dialEdge(t *testing.T, e *testEdge, lo, hi uint16) (tls.ConnectionState, error) {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(e.lab.CA.Cert)
	cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	c, err := tls.Dial("tcp", e.addr, &tls.Config{RootCAs: roots, ServerName: "sip.skype.lab", MinVersion: lo, MaxVersion: hi,
		Certificates: []tls.Certificate{*cert}})
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer c.Close()
	return c.ConnectionState(), nil
}

// Each profile negotiates exactly its versions with a client that offers everything, and refuses a
// client limited to a version outside them.
func TestInboundTLSProfiles(t *testing.T) {
	for _, tc := range []struct {
		profile    string
		negotiated uint16
		refusedLo  uint16
		refusedHi  uint16
	}{
		{"sfb2015", tls.VersionTLS12, tls.VersionTLS13, tls.VersionTLS13},
		{"sfb2015-unhardened", tls.VersionTLS12, tls.VersionTLS13, tls.VersionTLS13},
		{"lync2013", tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS13},
		{"modern", tls.VersionTLS13, tls.VersionTLS10, tls.VersionTLS11},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			e := startEdge(t, withTLSProfile(tc.profile))
			cs, err := dialEdge(t, e, tls.VersionTLS10, tls.VersionTLS13)
			if err != nil {
				t.Fatalf("a client offering 1.0–1.3: %v", err)
			}
			if cs.Version != tc.negotiated {
				t.Errorf("negotiated %s, want %s", tls.VersionName(cs.Version), tls.VersionName(tc.negotiated))
			}
			if tc.profile != "modern" && !inWindows2012R2(cs.CipherSuite) {
				t.Errorf("suite %s is not one of Windows Server 2012 R2's", tls.CipherSuiteName(cs.CipherSuite))
			}
			if _, err := dialEdge(t, e, tc.refusedLo, tc.refusedHi); err == nil {
				t.Errorf("a client limited to %s–%s was accepted", tls.VersionName(tc.refusedLo), tls.VersionName(tc.refusedHi))
			}
		})
	}
}

func inWindows2012R2(id uint16) bool {
	cfg := config.Default()
	for _, s := range cfg.Edge.TLS.Suites() {
		if s == id {
			return true
		}
	}
	return false
}

// An outside TLS stack: openssl s_client speaking TLS 1.0 reaches a lync2013 Edge, and one that
// speaks only TLS 1.3 is refused by the default sfb2015 Edge.
func TestOpenSSLAgainstTLSProfiles(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed (CI installs it)")
	}
	for _, tc := range []struct {
		profile string
		args    []string
		ok      bool
	}{
		// OpenSSL 3 refuses TLS 1.0 at its default security level; the lab's client lowers it, as a
		// trainer reproducing an old peer would.
		{"lync2013", []string{"-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"}, true},
		{"sfb2015", []string{"-tls1_3"}, false},
		{"sfb2015", []string{"-tls1_2"}, true},
	} {
		t.Run(tc.profile+strings.Join(tc.args, ""), func(t *testing.T) {
			e := startEdge(t, withTLSProfile(tc.profile))
			leaf := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
			certFile, keyFile := writeTLSPair(t, leaf)
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			args := append([]string{"s_client", "-connect", e.addr, "-servername", "sip.skype.lab", "-cert", certFile, "-key", keyFile, "-brief"}, tc.args...)
			cmd := exec.CommandContext(ctx, openssl, args...)
			cmd.Stdin = strings.NewReader("")
			out, err := cmd.CombinedOutput()
			ok := err == nil && strings.Contains(string(out), "CONNECTION ESTABLISHED")
			if ok != tc.ok {
				t.Errorf("openssl %v: established=%v, want %v\n%s", tc.args, ok, tc.ok, out)
			}
		})
	}
}

func writeTLSPair(t *testing.T, c *tls.Certificate) (certFile, keyFile string) {
	t.Helper()
	leaf := &certs.Leaf{Chain: []*x509.Certificate{c.Leaf}, Key: c.PrivateKey.(crypto.Signer)}
	certFile, keyFile, err := leaf.WriteFiles(filepath.Join(t.TempDir(), "peer"))
	if err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// Outbound, the profile limits the Edge's ClientHello: a lync2013 Edge (TLS 1.0 only) cannot reach a
// far end that insists on TLS 1.2, and the Skype user sees 1047.
func TestOutboundTLSVersionMismatch(t *testing.T) {
	l := newOutLab(t)
	peer := l.peer(standin.ServerConfig{Certificate: l.cert(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab"}),
		MinTLS: tls.VersionTLS12})
	o := l.open(cmsZone("vcse.cms.steven.lab", peer.Addr().Port()), func(c *config.Config) { c.Edge.TLS.Profile = "lync2013" })
	r := callWithin(t, o, "sip:2000@cms.steven.lab", 5*time.Second, 10*time.Second)
	if r.DiagnosticCode != 1047 || r.InviteSent {
		t.Errorf("diagnostic %d (%s), invite sent %v", r.DiagnosticCode, r.Diagnostic, r.InviteSent)
	}
	if peer.Accepted() == 0 {
		t.Error("the far end saw no connection")
	}
}
