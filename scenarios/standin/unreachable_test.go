package standin

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
)

func TestClosedPortRefuses(t *testing.T) {
	port, err := ClosedPort()
	if err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port).String(), time.Second); err == nil {
		_ = c.Close()
		t.Fatal("the closed port accepted a connection")
	}
}

// The Edge's certificate comes from a CA the rejecter does not trust: the handshake must fail.
func TestCertRejecterRefusesTheClientCertificate(t *testing.T) {
	issue := func(issuer certs.Issuer, cn string) (*certs.CA, tls.Certificate) {
		ca, _, err := certs.EnsureCA(t.TempDir(), issuer, certs.CAOptions{})
		if err != nil {
			t.Fatal(err)
		}
		l, err := ca.Issue(certs.LeafRequest{CommonName: cn})
		if err != nil {
			t.Fatal(err)
		}
		return ca, l.TLSCertificate()
	}
	_, edgeCert := issue(certs.IssuerLab, "sip.skype.lab")
	other, peerCert := issue(certs.IssuerUntrusted, "vcse.cms.steven.lab")
	trusted := x509.NewCertPool()
	trusted.AddCert(other.Cert)
	r, err := StartCertRejecter(peerCert, trusted)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	// As the Edge does, present the certificate whatever CAs the server names; and TLS 1.2, since
	// under 1.3 the client's handshake ends before the server has judged its certificate.
	conf := &tls.Config{RootCAs: trusted, ServerName: "vcse.cms.steven.lab", MaxVersion: tls.VersionTLS12,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &edgeCert, nil }}
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", r.Addr().String(), conf)
	if err == nil {
		_ = c.Close()
		t.Fatal("the handshake succeeded")
	}
	if !strings.Contains(err.Error(), "unknown certificate authority") {
		t.Errorf("err %v, want an unknown_ca alert", err)
	}
}
