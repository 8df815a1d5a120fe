package certs

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrEncryptedKey is returned for passphrase-protected keys: the lab runs
// unattended, so rather than prompt we tell the user to decrypt the file.
var ErrEncryptedKey = errors.New("private key is encrypted; decrypt it first (e.g. openssl pkey -in KEY -out KEY.plain)")

// ErrKeyMismatch is returned when a key does not belong to a certificate.
var ErrKeyMismatch = errors.New("private key does not match certificate")

// ReadCertificates returns every CERTIFICATE block of file, in order, so a
// "leaf then chain" file comes back leaf first. Other PEM blocks (a key
// bundled in the same file) are skipped.
func ReadCertificates(file string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read certificates: %w", err)
	}
	var certs []*x509.Certificate
	sawPEM := false
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		sawPEM = true
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: certificate %d: %w", file, len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if !sawPEM {
		return nil, fmt.Errorf("%s: no PEM data found (want a PEM CERTIFICATE file)", file)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s: no CERTIFICATE block found", file)
	}
	return certs, nil
}

// ReadPrivateKey reads the first private key block of file in any of the
// encodings the lab is likely to be handed: PKCS#8 (ours, and modern
// openssl), PKCS#1 (older RSA tooling) and SEC1 (older EC tooling).
func ReadPrivateKey(file string) (crypto.Signer, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read private key: %w", err)
	}
	sawPEM := false
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		sawPEM = true
		if block.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") {
			return nil, fmt.Errorf("%s: %w", file, ErrEncryptedKey)
		}
		if !strings.HasSuffix(block.Type, "PRIVATE KEY") {
			continue
		}
		k, err := parsePrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		return k, nil
	}
	if !sawPEM {
		return nil, fmt.Errorf("%s: no PEM data found (want a PEM PRIVATE KEY file)", file)
	}
	return nil, fmt.Errorf("%s: no PRIVATE KEY block found", file)
}

// parsePrivateKey tries every encoding regardless of the block label,
// because tools mislabel blocks often enough to make the label a poor guide.
func parsePrivateKey(der []byte) (crypto.Signer, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("private key of type %T cannot sign", k)
		}
		return s, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("unrecognised private key (want PKCS#8, PKCS#1 or SEC1)")
}

// LoadKeyPair is tls.LoadX509KeyPair with errors that name the files and a
// parsed Leaf, which the Edge needs for logging its own name.
func LoadKeyPair(certFile, keyFile string) (tls.Certificate, error) {
	chain, err := ReadCertificates(certFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("load key pair: %w", err)
	}
	key, err := ReadPrivateKey(keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("load key pair: %w", err)
	}
	if err := keyMatches(chain[0], key); err != nil {
		return tls.Certificate{}, fmt.Errorf("load key pair: %s does not belong to %s: %w", keyFile, certFile, err)
	}
	return tlsCertificate(chain, key), nil
}

func keyMatches(c *x509.Certificate, key crypto.Signer) error {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(c.PublicKey) {
		return ErrKeyMismatch
	}
	return nil
}

func tlsCertificate(chain []*x509.Certificate, key crypto.Signer) tls.Certificate {
	tc := tls.Certificate{PrivateKey: key, Leaf: chain[0]}
	for _, c := range chain {
		tc.Certificate = append(tc.Certificate, c.Raw)
	}
	return tc
}

// CertPoolFromFiles builds a pool from exactly the given files, never the
// system roots: the Edge's trust must be what the lab configured and nothing
// the host happens to trust. No files yields an empty pool.
func CertPoolFromFiles(files ...string) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	for _, f := range files {
		certs, err := ReadCertificates(f)
		if err != nil {
			return nil, fmt.Errorf("trust pool: %w", err)
		}
		for _, c := range certs {
			pool.AddCert(c)
		}
	}
	return pool, nil
}

// WriteFilePrivate writes data readable by the owner only. It goes through a
// temporary file and a rename so a crash never leaves a half-written key,
// and so a pre-existing file with looser permissions is replaced, not reused.
func WriteFilePrivate(path string, data []byte) error {
	return writeFileAtomic(path, data, 0o600)
}

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := ensureDir(dir); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ensureDir creates dir 0700 when missing. An existing directory is left as
// it is: the user may have chosen its mode on purpose.
func ensureDir(dir string) error {
	if st, err := os.Stat(dir); err == nil {
		if !st.IsDir() {
			return fmt.Errorf("create directory %s: not a directory", dir)
		}
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	// MkdirAll is subject to the umask; the lab directory holds keys.
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	return nil
}

func encodeCerts(chain []*x509.Certificate) []byte {
	var buf bytes.Buffer
	for _, c := range chain {
		_ = pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return buf.Bytes()
}

func encodeKey(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
