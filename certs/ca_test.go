package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestEnsureCALifecycle(t *testing.T) {
	for _, kt := range []KeyType{KeyECDSAP256, KeyRSA2048} {
		t.Run(string(kt), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "lab", "nested")
			ca, created, err := EnsureCA(dir, IssuerLab, CAOptions{KeyType: kt})
			if err != nil {
				t.Fatal(err)
			}
			if !created {
				t.Error("first EnsureCA reported created=false")
			}
			if got := fileMode(t, dir); got != 0o700 {
				t.Errorf("dir mode = %o, want 700", got)
			}
			if got := fileMode(t, ca.KeyFile); got != 0o600 {
				t.Errorf("key mode = %o, want 600", got)
			}
			if got := fileMode(t, ca.CertFile); got != 0o644 {
				t.Errorf("cert mode = %o, want 644", got)
			}
			switch kt {
			case KeyRSA2048:
				if _, ok := ca.Key.(*rsa.PrivateKey); !ok {
					t.Errorf("key is %T, want RSA", ca.Key)
				}
			default:
				if _, ok := ca.Key.(*ecdsa.PrivateKey); !ok {
					t.Errorf("key is %T, want ECDSA", ca.Key)
				}
			}

			// A second call loads, even when asked for the other key type.
			other := KeyRSA2048
			if kt == KeyRSA2048 {
				other = KeyECDSAP256
			}
			again, created, err := EnsureCA(dir, IssuerLab, CAOptions{KeyType: other})
			if err != nil {
				t.Fatal(err)
			}
			if created {
				t.Error("second EnsureCA reported created=true")
			}
			if again.Cert.SerialNumber.Cmp(ca.Cert.SerialNumber) != 0 {
				t.Errorf("second EnsureCA serial %x, want %x", again.Cert.SerialNumber, ca.Cert.SerialNumber)
			}
			if again.Cert.PublicKeyAlgorithm != ca.Cert.PublicKeyAlgorithm {
				t.Error("loading an existing CA changed its key type")
			}

			forced, created, err := EnsureCA(dir, IssuerLab, CAOptions{KeyType: kt, Force: true})
			if err != nil {
				t.Fatal(err)
			}
			if !created {
				t.Error("forced EnsureCA reported created=false")
			}
			if forced.Cert.SerialNumber.Cmp(ca.Cert.SerialNumber) == 0 {
				t.Error("Force kept the old serial")
			}
			reloaded, err := LoadCA(ca.CertFile, ca.KeyFile)
			if err != nil {
				t.Fatal(err)
			}
			if reloaded.Cert.SerialNumber.Cmp(forced.Cert.SerialNumber) != 0 {
				t.Error("files on disk are not the forced CA")
			}
			if got := fileMode(t, ca.KeyFile); got != 0o600 {
				t.Errorf("key mode after Force = %o, want 600", got)
			}
		})
	}
}

func TestEnsureCAIssuers(t *testing.T) {
	tests := []struct {
		issuer          Issuer
		certF, keyF, cn string
	}{
		{IssuerLab, "ca.pem", "ca.key", "edgesim Lab Root CA"},
		{IssuerUntrusted, "untrusted-ca.pem", "untrusted-ca.key", "edgesim Untrusted Root CA"},
		{IssuerPublic, "public-ca.pem", "public-ca.key", "edgesim Lab Public Root CA"},
	}
	for _, tt := range tests {
		t.Run(string(tt.issuer), func(t *testing.T) {
			dir := t.TempDir()
			ca, _, err := EnsureCA(dir, tt.issuer, CAOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if ca.CertFile != filepath.Join(dir, tt.certF) || ca.KeyFile != filepath.Join(dir, tt.keyF) {
				t.Errorf("files = %s, %s; want %s, %s", ca.CertFile, ca.KeyFile, tt.certF, tt.keyF)
			}
			for _, f := range []string{ca.CertFile, ca.KeyFile} {
				if _, err := os.Stat(f); err != nil {
					t.Error(err)
				}
			}
			c := ca.Cert
			if c.Subject.CommonName != tt.cn {
				t.Errorf("CN = %q, want %q", c.Subject.CommonName, tt.cn)
			}
			if !c.IsCA || !c.BasicConstraintsValid || c.MaxPathLen != 1 {
				t.Errorf("basic constraints: IsCA=%v valid=%v maxPathLen=%d zero=%v", c.IsCA, c.BasicConstraintsValid, c.MaxPathLen, c.MaxPathLenZero)
			}
			if c.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
				t.Errorf("KeyUsage = %b", c.KeyUsage)
			}
			if !bytes.Equal(c.SubjectKeyId, rfc5280KeyID(t, c)) {
				t.Errorf("SubjectKeyId %x is not the SHA-1 of the key bits", c.SubjectKeyId)
			}
			if life := c.NotAfter.Sub(c.NotBefore); life < 10*365*24*time.Hour || life > 10*366*24*time.Hour {
				t.Errorf("CA lifetime %v, want about 10 years", life)
			}
			if err := c.CheckSignatureFrom(c); err != nil {
				t.Errorf("CA is not self-signed: %v", err)
			}
			// The other issuers' files are untouched.
			entries, _ := os.ReadDir(dir)
			if len(entries) != 2 {
				t.Errorf("dir has %d entries, want 2", len(entries))
			}
		})
	}
}

func rfc5280KeyID(t *testing.T, c *x509.Certificate) []byte {
	t.Helper()
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(c.RawSubjectPublicKeyInfo, &spki); err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(spki.PublicKey.Bytes)
	return sum[:]
}

func TestEnsureCAErrors(t *testing.T) {
	t.Run("unknown issuer", func(t *testing.T) {
		_, _, err := EnsureCA(t.TempDir(), "bogus", CAOptions{})
		wantErrContains(t, err, "bogus")
	})
	t.Run("unknown key type", func(t *testing.T) {
		_, _, err := EnsureCA(t.TempDir(), IssuerLab, CAOptions{KeyType: "dsa"})
		wantErrContains(t, err, "dsa")
	})
	t.Run("key missing", func(t *testing.T) {
		dir := t.TempDir()
		ca, _, err := EnsureCA(dir, IssuerLab, CAOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(ca.KeyFile); err != nil {
			t.Fatal(err)
		}
		_, _, err = EnsureCA(dir, IssuerLab, CAOptions{})
		wantErrContains(t, err, ca.KeyFile, "incomplete")
		// Force is the way out.
		if _, created, err := EnsureCA(dir, IssuerLab, CAOptions{Force: true}); err != nil || !created {
			t.Fatalf("Force on an incomplete CA: created=%v err=%v", created, err)
		}
	})
	t.Run("corrupt cert", func(t *testing.T) {
		dir := t.TempDir()
		ca, _, err := EnsureCA(dir, IssuerLab, CAOptions{})
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, ca.CertFile, "garbage")
		_, _, err = EnsureCA(dir, IssuerLab, CAOptions{})
		wantErrContains(t, err, ca.CertFile)
	})
}

func TestLoadCA(t *testing.T) {
	l := newLab(t)
	leaf := mustIssue(t, l.lab, LeafRequest{CommonName: "sip.skype.lab"})
	leafCert, leafKey, err := leaf.WriteFiles(filepath.Join(l.dir, "edge"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ok", func(t *testing.T) {
		ca, err := LoadCA(l.lab.CertFile, l.lab.KeyFile)
		if err != nil {
			t.Fatal(err)
		}
		if !ca.Cert.Equal(l.lab.Cert) || ca.CertFile != l.lab.CertFile || ca.KeyFile != l.lab.KeyFile {
			t.Error("LoadCA returned a different CA")
		}
	})
	t.Run("key of another CA", func(t *testing.T) {
		_, err := LoadCA(l.lab.CertFile, l.untrusted.KeyFile)
		wantErrContains(t, err, l.lab.CertFile, l.untrusted.KeyFile, "does not match")
	})
	t.Run("leaf is not a CA", func(t *testing.T) {
		_, err := LoadCA(leafCert, leafKey)
		wantErrContains(t, err, leafCert, "not a CA")
	})
}
