package certs

import (
	"crypto/rand"
	"crypto/x509"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"
)

// testLab is a lab directory with all three CAs, as `certs init` leaves it.
type testLab struct {
	dir                    string
	lab, untrusted, public *CA
}

func newLab(t testing.TB) *testLab {
	t.Helper()
	l := &testLab{dir: t.TempDir()}
	for _, x := range []struct {
		issuer Issuer
		dst    **CA
	}{{IssuerLab, &l.lab}, {IssuerUntrusted, &l.untrusted}, {IssuerPublic, &l.public}} {
		ca, _, err := EnsureCA(l.dir, x.issuer, CAOptions{})
		if err != nil {
			t.Fatalf("EnsureCA(%s): %v", x.issuer, err)
		}
		*x.dst = ca
	}
	return l
}

func mustIssue(t testing.TB, ca *CA, req LeafRequest) *Leaf {
	t.Helper()
	leaf, err := ca.Issue(req)
	if err != nil {
		t.Fatalf("Issue(%+v): %v", req, err)
	}
	return leaf
}

func poolOf(cas ...*CA) *x509.CertPool {
	p := x509.NewCertPool()
	for _, ca := range cas {
		p.AddCert(ca.Cert)
	}
	return p
}

// issueCustom signs an arbitrary template with ca, for certificate shapes
// LeafRequest deliberately cannot express (odd key usages, IP-only SANs).
func issueCustom(t testing.TB, ca *CA, tmpl *x509.Certificate) *x509.Certificate {
	t.Helper()
	key, err := generateKey(KeyECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.SerialNumber == nil {
		tmpl.SerialNumber, _ = randomSerial()
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = time.Now().Add(-time.Hour)
		tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fileMode(t testing.TB, path string) fs.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func writeFile(t testing.TB, path, data string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func wantErrContains(t testing.TB, err error, subs ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want error containing %q, got nil", subs)
	}
	for _, s := range subs {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not contain %q", err, s)
		}
	}
}
