package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

var oidSAN = asn1.ObjectIdentifier{2, 5, 29, 17}

func hasExtension(c *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return true
		}
	}
	return false
}

func TestIssueVariants(t *testing.T) {
	l := newLab(t)
	day := 24 * time.Hour
	pinned := time.Date(2024, 3, 2, 6, 30, 40, 0, time.UTC)
	tests := []struct {
		name  string
		ca    *CA
		req   LeafRequest
		check func(t *testing.T, c *x509.Certificate)
	}{
		{"default SAN is CN", l.lab, LeafRequest{CommonName: "vcse.steven.lab"}, func(t *testing.T, c *x509.Certificate) {
			if !slices.Equal(c.DNSNames, []string{"vcse.steven.lab"}) || c.Subject.CommonName != "vcse.steven.lab" {
				t.Errorf("CN=%q SANs=%q", c.Subject.CommonName, c.DNSNames)
			}
			if life := c.NotAfter.Sub(c.NotBefore); life != 397*day {
				t.Errorf("validity %v, want 397 days", life)
			}
			if d := time.Since(c.NotBefore); d < 59*time.Minute || d > 61*time.Minute {
				t.Errorf("NotBefore %v ago, want about an hour", d)
			}
		}},
		{"explicit SANs", l.lab, LeafRequest{CommonName: "vcse.steven.lab", SANs: []string{"vcse.steven.lab", "vcse.acano.steven.lab"}}, func(t *testing.T, c *x509.Certificate) {
			if !slices.Equal(c.DNSNames, []string{"vcse.steven.lab", "vcse.acano.steven.lab"}) {
				t.Errorf("SANs=%q", c.DNSNames)
			}
		}},
		{"SANs without CN", l.lab, LeafRequest{SANs: []string{"vcse.acano.steven.lab"}}, func(t *testing.T, c *x509.Certificate) {
			if c.Subject.CommonName != "" || !slices.Equal(c.DNSNames, []string{"vcse.acano.steven.lab"}) {
				t.Errorf("CN=%q SANs=%q", c.Subject.CommonName, c.DNSNames)
			}
		}},
		{"NoSAN", l.lab, LeafRequest{CommonName: "vcse.acano.steven.lab", NoSAN: true}, func(t *testing.T, c *x509.Certificate) {
			if len(c.DNSNames) != 0 {
				t.Errorf("SANs=%q, want none", c.DNSNames)
			}
			if hasExtension(c, oidSAN) {
				t.Error("SAN extension present")
			}
			if c.Subject.CommonName != "vcse.acano.steven.lab" {
				t.Errorf("CN=%q", c.Subject.CommonName)
			}
		}},
		{"wildcard SAN", l.lab, LeafRequest{CommonName: "vcse.steven.lab", SANs: []string{"*.acano.steven.lab"}}, func(t *testing.T, c *x509.Certificate) {
			if !slices.Equal(c.DNSNames, []string{"*.acano.steven.lab"}) {
				t.Errorf("SANs=%q", c.DNSNames)
			}
		}},
		{"expired default window", l.lab, LeafRequest{CommonName: "vcse.steven.lab", Expired: true}, func(t *testing.T, c *x509.Certificate) {
			if d := time.Since(c.NotAfter); d < day-time.Minute || d > day+time.Minute {
				t.Errorf("NotAfter %v ago, want a day", d)
			}
			if d := time.Since(c.NotBefore); d < 60*day-time.Minute || d > 60*day+time.Minute {
				t.Errorf("NotBefore %v ago, want 60 days", d)
			}
		}},
		{"expired with days", l.lab, LeafRequest{CommonName: "vcse.steven.lab", Expired: true, Days: 5}, func(t *testing.T, c *x509.Certificate) {
			if d := time.Since(c.NotBefore); d < 10*day-time.Minute || d > 10*day+time.Minute {
				t.Errorf("NotBefore %v ago, want 10 days", d)
			}
			if time.Now().Before(c.NotAfter) {
				t.Error("not expired")
			}
		}},
		{"pinned NotBefore and days", l.lab, LeafRequest{CommonName: "a.lab", NotBefore: pinned, Days: 30}, func(t *testing.T, c *x509.Certificate) {
			if !c.NotBefore.Equal(pinned) || !c.NotAfter.Equal(pinned.Add(30*day)) {
				t.Errorf("validity %v..%v", c.NotBefore, c.NotAfter)
			}
		}},
		{"untrusted issuer", l.untrusted, LeafRequest{CommonName: "vcse.steven.lab"}, func(t *testing.T, c *x509.Certificate) {
			if c.Issuer.CommonName != "edgesim Untrusted Root CA" {
				t.Errorf("issuer %q", c.Issuer.CommonName)
			}
		}},
		{"public issuer", l.public, LeafRequest{CommonName: "vcse.steven.lab"}, func(t *testing.T, c *x509.Certificate) {
			if c.Issuer.CommonName != "edgesim Lab Public Root CA" {
				t.Errorf("issuer %q", c.Issuer.CommonName)
			}
		}},
		{"rsa key", l.lab, LeafRequest{CommonName: "vcse.steven.lab", KeyType: KeyRSA2048}, func(t *testing.T, c *x509.Certificate) {
			if _, ok := c.PublicKey.(*rsa.PublicKey); !ok {
				t.Errorf("public key %T", c.PublicKey)
			}
			if c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment {
				t.Errorf("KeyUsage = %b, want digitalSignature|keyEncipherment", c.KeyUsage)
			}
		}},
		{"ecdsa key usage", l.lab, LeafRequest{CommonName: "vcse.steven.lab"}, func(t *testing.T, c *x509.Certificate) {
			if _, ok := c.PublicKey.(*ecdsa.PublicKey); !ok {
				t.Errorf("public key %T", c.PublicKey)
			}
			if c.KeyUsage != x509.KeyUsageDigitalSignature {
				t.Errorf("KeyUsage = %b, want digitalSignature only", c.KeyUsage)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaf := mustIssue(t, tt.ca, tt.req)
			if len(leaf.Chain) != 2 || !leaf.Chain[1].Equal(tt.ca.Cert) {
				t.Fatalf("chain = %d certs, want leaf + issuing CA", len(leaf.Chain))
			}
			c := leaf.Chain[0]
			if !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageServerAuth) || !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageClientAuth) {
				t.Errorf("ExtKeyUsage = %v, want serverAuth and clientAuth", c.ExtKeyUsage)
			}
			if c.IsCA {
				t.Error("leaf is a CA")
			}
			if !bytes.Equal(c.AuthorityKeyId, tt.ca.Cert.SubjectKeyId) || len(c.AuthorityKeyId) == 0 {
				t.Errorf("AuthorityKeyId %x, want CA's %x", c.AuthorityKeyId, tt.ca.Cert.SubjectKeyId)
			}
			if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 128 {
				t.Errorf("serial %x not a positive 128-bit number", c.SerialNumber)
			}
			if err := c.CheckSignatureFrom(tt.ca.Cert); err != nil {
				t.Errorf("not signed by the CA: %v", err)
			}
			if err := keyMatches(c, leaf.Key); err != nil {
				t.Error(err)
			}
			tt.check(t, c)
		})
	}
}

func TestIssueSerialsDiffer(t *testing.T) {
	l := newLab(t)
	a := mustIssue(t, l.lab, LeafRequest{CommonName: "a.lab"})
	b := mustIssue(t, l.lab, LeafRequest{CommonName: "a.lab"})
	if a.Chain[0].SerialNumber.Cmp(b.Chain[0].SerialNumber) == 0 {
		t.Error("two issuances share a serial")
	}
}

func TestIssueRejects(t *testing.T) {
	l := newLab(t)
	tests := []struct {
		name string
		req  LeafRequest
		want string
	}{
		{"NoSAN with SANs", LeafRequest{CommonName: "a.lab", SANs: []string{"a.lab"}, NoSAN: true}, "mutually exclusive"},
		{"NoSAN without CN", LeafRequest{NoSAN: true}, "common name"},
		{"no name at all", LeafRequest{}, "common name or at least one SAN"},
		{"negative days", LeafRequest{CommonName: "a.lab", Days: -1}, "negative"},
		{"expired starting in the future", LeafRequest{CommonName: "a.lab", Expired: true, NotBefore: time.Now().Add(time.Hour)}, "after it ends"},
		{"bad key type", LeafRequest{CommonName: "a.lab", KeyType: "dsa"}, "dsa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaf, err := l.lab.Issue(tt.req)
			wantErrContains(t, err, tt.want)
			if leaf != nil {
				t.Error("got a leaf with the error")
			}
		})
	}
	t.Run("CA without key", func(t *testing.T) {
		_, err := (&CA{Cert: l.lab.Cert}).Issue(LeafRequest{CommonName: "a.lab"})
		wantErrContains(t, err, "no certificate or key")
	})
}

func TestLeafWriteFiles(t *testing.T) {
	l := newLab(t)
	for _, kt := range []KeyType{KeyECDSAP256, KeyRSA2048} {
		t.Run(string(kt), func(t *testing.T) {
			leaf := mustIssue(t, l.lab, LeafRequest{CommonName: "vcse.steven.lab", KeyType: kt})
			prefix := filepath.Join(t.TempDir(), "issued", "vcse")
			certFile, keyFile, err := leaf.WriteFiles(prefix)
			if err != nil {
				t.Fatal(err)
			}
			if certFile != prefix+".pem" || keyFile != prefix+".key" {
				t.Errorf("files %s %s", certFile, keyFile)
			}
			if got := fileMode(t, keyFile); got != 0o600 {
				t.Errorf("key mode %o, want 600", got)
			}
			if got := fileMode(t, filepath.Dir(prefix)); got != 0o700 {
				t.Errorf("created dir mode %o, want 700", got)
			}
			chain, err := ReadCertificates(certFile)
			if err != nil {
				t.Fatal(err)
			}
			if len(chain) != 2 || !chain[0].Equal(leaf.Chain[0]) || !chain[1].Equal(l.lab.Cert) {
				t.Error("cert file is not leaf then CA")
			}
			raw, err := os.ReadFile(keyFile)
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := pem.Decode(raw); b == nil || b.Type != "PRIVATE KEY" {
				t.Errorf("key file is not a PKCS#8 PRIVATE KEY block")
			}
			tc, err := LoadKeyPair(certFile, keyFile)
			if err != nil {
				t.Fatal(err)
			}
			if tc.Leaf == nil || !tc.Leaf.Equal(leaf.Chain[0]) || len(tc.Certificate) != 2 {
				t.Error("LoadKeyPair did not return the leaf and its chain")
			}
		})
	}
}

// TestTLSCertificateMutualTLS proves the issued pair works as both ends of
// federation's mutual TLS, each side checking the other's chain.
func TestTLSCertificateMutualTLS(t *testing.T) {
	l := newLab(t)
	edge := mustIssue(t, l.lab, LeafRequest{CommonName: "sip.skype.lab"}).TLSCertificate()
	peer := mustIssue(t, l.lab, LeafRequest{CommonName: "vcse.steven.lab"}).TLSCertificate()
	if edge.Leaf == nil || edge.Leaf.Subject.CommonName != "sip.skype.lab" {
		t.Fatal("TLSCertificate has no Leaf")
	}
	pool := poolOf(l.lab)
	cConn, sConn := net.Pipe()
	srv := tls.Server(sConn, &tls.Config{Certificates: []tls.Certificate{edge}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert})
	cli := tls.Client(cConn, &tls.Config{Certificates: []tls.Certificate{peer}, RootCAs: pool, ServerName: "sip.skype.lab"})
	errc := make(chan error, 1)
	go func() { errc <- srv.Handshake() }()
	if err := cli.Handshake(); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("server handshake: %v", err)
	}
	if got := srv.ConnectionState().PeerCertificates; len(got) == 0 || got[0].Subject.CommonName != "vcse.steven.lab" {
		t.Error("server did not receive the client certificate")
	}
	cli.Close()
	srv.Close()
}
