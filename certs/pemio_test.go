package certs

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func pemString(typ string, der []byte, headers map[string]string) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Headers: headers, Bytes: der}))
}

func TestReadErrorsNameTheFile(t *testing.T) {
	l := newLab(t)
	leaf := mustIssue(t, l.lab, LeafRequest{CommonName: "vcse.steven.lab"})
	dir := t.TempDir()
	certFile, keyFile, err := leaf.WriteFiles(filepath.Join(dir, "vcse"))
	if err != nil {
		t.Fatal(err)
	}
	notPEM := writeFile(t, filepath.Join(dir, "not-pem.txt"), "this is not PEM\n")
	missing := filepath.Join(dir, "missing.pem")
	badCert := writeFile(t, filepath.Join(dir, "bad-cert.pem"), pemString("CERTIFICATE", []byte("junk"), nil))
	badKey := writeFile(t, filepath.Join(dir, "bad-key.pem"), pemString("PRIVATE KEY", []byte("junk"), nil))
	encrypted := writeFile(t, filepath.Join(dir, "enc.key"), pemString("EC PRIVATE KEY", []byte("ciphertext"),
		map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00112233445566778899AABBCCDDEEFF"}))
	encPKCS8 := writeFile(t, filepath.Join(dir, "enc8.key"), pemString("ENCRYPTED PRIVATE KEY", []byte("ciphertext"), nil))
	otherKey := filepath.Join(dir, "other")
	if _, _, err := mustIssue(t, l.lab, LeafRequest{CommonName: "x.lab"}).WriteFiles(otherKey); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		call     func() error
		file     string
		contains string
		is       error
	}{
		{"certs: not PEM", func() error { _, err := ReadCertificates(notPEM); return err }, notPEM, "no PEM data", nil},
		{"certs: missing", func() error { _, err := ReadCertificates(missing); return err }, missing, "", os.ErrNotExist},
		{"certs: key file only", func() error { _, err := ReadCertificates(keyFile); return err }, keyFile, "no CERTIFICATE", nil},
		{"certs: corrupt block", func() error { _, err := ReadCertificates(badCert); return err }, badCert, "certificate 1", nil},
		{"key: not PEM", func() error { _, err := ReadPrivateKey(notPEM); return err }, notPEM, "no PEM data", nil},
		{"key: missing", func() error { _, err := ReadPrivateKey(missing); return err }, missing, "", os.ErrNotExist},
		{"key: cert file only", func() error { _, err := ReadPrivateKey(certFile); return err }, certFile, "no PRIVATE KEY", nil},
		{"key: corrupt", func() error { _, err := ReadPrivateKey(badKey); return err }, badKey, "unrecognised", nil},
		{"key: Proc-Type encrypted", func() error { _, err := ReadPrivateKey(encrypted); return err }, encrypted, "encrypted", ErrEncryptedKey},
		{"key: PKCS#8 encrypted", func() error { _, err := ReadPrivateKey(encPKCS8); return err }, encPKCS8, "encrypted", ErrEncryptedKey},
		{"pair: mismatch", func() error { _, err := LoadKeyPair(certFile, otherKey+".key"); return err }, otherKey + ".key", certFile, ErrKeyMismatch},
		{"pair: encrypted key", func() error { _, err := LoadKeyPair(certFile, encrypted); return err }, encrypted, "", ErrEncryptedKey},
		{"pair: not PEM cert", func() error { _, err := LoadKeyPair(notPEM, keyFile); return err }, notPEM, "", nil},
		{"CA: encrypted key", func() error { _, err := LoadCA(l.lab.CertFile, encrypted); return err }, encrypted, "", ErrEncryptedKey},
		{"CA: mismatch", func() error { _, err := LoadCA(l.lab.CertFile, keyFile); return err }, keyFile, l.lab.CertFile, ErrKeyMismatch},
		{"pool: not PEM", func() error { _, err := CertPoolFromFiles(l.lab.CertFile, notPEM); return err }, notPEM, "", nil},
		{"pool: missing", func() error { _, err := CertPoolFromFiles(missing); return err }, missing, "", os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			wantErrContains(t, err, tt.file, tt.contains)
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
		})
	}
	t.Run("good files load", func(t *testing.T) {
		if _, err := LoadKeyPair(certFile, keyFile); err != nil {
			t.Error(err)
		}
	})
}

func TestReadPrivateKeyEncodings(t *testing.T) {
	ec, _ := generateKey(KeyECDSAP256)
	rk, _ := generateKey(KeyRSA2048)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	xk, _ := ecdh.X25519().GenerateKey(rand.Reader)
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	sec1, err := x509.MarshalECPrivateKey(ec.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		pem     string
		want    crypto.Signer
		wantErr string
	}{
		{"PKCS#8 ECDSA", pemString("PRIVATE KEY", pkcs8(ec), nil), ec, ""},
		{"PKCS#8 RSA", pemString("PRIVATE KEY", pkcs8(rk), nil), rk, ""},
		{"PKCS#8 Ed25519", pemString("PRIVATE KEY", pkcs8(ed), nil), ed, ""},
		{"PKCS#1 RSA", pemString("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk.(*rsa.PrivateKey)), nil), rk, ""},
		{"SEC1 EC", pemString("EC PRIVATE KEY", sec1, nil), ec, ""},
		{"mislabelled SEC1", pemString("RSA PRIVATE KEY", sec1, nil), ec, ""},
		{"after a certificate block", pemString("CERTIFICATE", []byte("x"), nil) + pemString("EC PRIVATE KEY", sec1, nil), ec, ""},
		{"X25519 cannot sign", pemString("PRIVATE KEY", pkcs8(xk), nil), nil, "cannot sign"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := writeFile(t, filepath.Join(t.TempDir(), "k.pem"), tt.pem)
			got, err := ReadPrivateKey(f)
			if tt.wantErr != "" {
				wantErrContains(t, err, tt.wantErr, f)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(tt.want.Public()) {
				t.Error("read a different key")
			}
		})
	}
}

func TestReadCertificatesOrderAndSkips(t *testing.T) {
	l := newLab(t)
	leaf := mustIssue(t, l.lab, LeafRequest{CommonName: "a.lab"})
	keyPEM, err := encodeKey(leaf.Key)
	if err != nil {
		t.Fatal(err)
	}
	f := writeFile(t, filepath.Join(t.TempDir(), "bundle.pem"), string(keyPEM)+string(encodeCerts(leaf.Chain)))
	got, err := ReadCertificates(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].Equal(leaf.Chain[0]) || !got[1].Equal(l.lab.Cert) {
		t.Errorf("got %d certs or wrong order", len(got))
	}
}

func TestCertPoolFromFiles(t *testing.T) {
	l := newLab(t)
	labLeaf := mustIssue(t, l.lab, LeafRequest{CommonName: "a.lab"}).Chain[0]
	pubLeaf := mustIssue(t, l.public, LeafRequest{CommonName: "a.lab"}).Chain[0]
	verifies := func(pool *x509.CertPool, c *x509.Certificate) bool {
		_, err := c.Verify(x509.VerifyOptions{Roots: pool})
		return err == nil
	}
	pool, err := CertPoolFromFiles(l.lab.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	if !verifies(pool, labLeaf) || verifies(pool, pubLeaf) {
		t.Error("lab pool must trust lab leaves and only them")
	}
	both, err := CertPoolFromFiles(l.lab.CertFile, l.public.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	if !verifies(both, labLeaf) || !verifies(both, pubLeaf) {
		t.Error("two-file pool must trust both CAs")
	}
	empty, err := CertPoolFromFiles()
	if err != nil {
		t.Fatal(err)
	}
	if verifies(empty, labLeaf) {
		t.Error("empty pool trusts something")
	}
}

func TestWriteFilePrivate(t *testing.T) {
	t.Run("creates parent 0700", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "a", "b")
		path := filepath.Join(dir, "k.key")
		if err := WriteFilePrivate(path, []byte("secret")); err != nil {
			t.Fatal(err)
		}
		if got := fileMode(t, path); got != 0o600 {
			t.Errorf("file mode %o", got)
		}
		if got := fileMode(t, dir); got != 0o700 {
			t.Errorf("dir mode %o", got)
		}
		if b, _ := os.ReadFile(path); string(b) != "secret" {
			t.Errorf("content %q", b)
		}
	})
	t.Run("tightens an existing file", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "k.key")
		if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := WriteFilePrivate(path, []byte("new")); err != nil {
			t.Fatal(err)
		}
		if got := fileMode(t, path); got != 0o600 {
			t.Errorf("file mode %o", got)
		}
		if b, _ := os.ReadFile(path); string(b) != "new" {
			t.Errorf("content %q", b)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("%d entries left in dir, want 1 (no temp files)", len(entries))
		}
	})
	t.Run("unwritable parent", func(t *testing.T) {
		// A file where the directory should be: fails even as root.
		parent := writeFile(t, filepath.Join(t.TempDir(), "file"), "x")
		path := filepath.Join(parent, "k.key")
		wantErrContains(t, WriteFilePrivate(path, []byte("x")), parent)
	})
}
