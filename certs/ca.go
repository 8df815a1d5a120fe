package certs

import (
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Issuer names a CA of the lab directory.
type Issuer string

const (
	IssuerLab       Issuer = "lab"
	IssuerUntrusted Issuer = "untrusted"
	// IssuerPublic is the CA the lab treats as a public CA, the only kind the
	// Office 365 trust profile accepts.
	IssuerPublic Issuer = "public"
)

// ParseIssuer accepts the issuer names of scenario files and flags; "" is
// the lab CA, the one the Edge trusts by default.
func ParseIssuer(s string) (Issuer, error) {
	switch i := Issuer(strings.ToLower(strings.TrimSpace(s))); i {
	case "":
		return IssuerLab, nil
	case IssuerLab, IssuerUntrusted, IssuerPublic:
		return i, nil
	}
	return "", fmt.Errorf("unknown issuer %q (want lab, untrusted or public)", s)
}

// Files returns where the issuer's CA lives in the lab directory.
func (i Issuer) Files(dir string) (certFile, keyFile string) {
	base := "ca"
	switch i {
	case IssuerUntrusted:
		base = "untrusted-ca"
	case IssuerPublic:
		base = "public-ca"
	}
	return filepath.Join(dir, base+".pem"), filepath.Join(dir, base+".key")
}

func (i Issuer) commonName() string {
	switch i {
	case IssuerUntrusted:
		return "edgesim Untrusted Root CA"
	case IssuerPublic:
		return "edgesim Lab Public Root CA"
	}
	return "edgesim Lab Root CA"
}

// CA is a certificate authority able to issue leaves.
type CA struct {
	Cert     *x509.Certificate
	Key      crypto.Signer
	CertFile string
	KeyFile  string
	// Parent is the CA that signed this one, nil for a root.
	Parent *CA
}

// CAOptions tunes EnsureCA. KeyType only applies when a CA is created: an
// existing CA keeps its key.
type CAOptions struct {
	KeyType KeyType
	Force   bool
}

const caValidity = 10 * 365 * 24 * time.Hour

// EnsureCA loads the issuer's CA from dir, or creates it when absent, so
// every command can call it without the user running `certs init` first.
// A directory holding only one of the two files is an error rather than a
// silent regeneration, which would orphan every leaf issued so far.
func EnsureCA(dir string, issuer Issuer, opts CAOptions) (ca *CA, created bool, err error) {
	issuer, err = ParseIssuer(string(issuer))
	if err != nil {
		return nil, false, err
	}
	certFile, keyFile := issuer.Files(dir)
	if !opts.Force {
		certOK, err := exists(certFile)
		if err != nil {
			return nil, false, err
		}
		keyOK, err := exists(keyFile)
		if err != nil {
			return nil, false, err
		}
		switch {
		case certOK && keyOK:
			ca, err := LoadCA(certFile, keyFile)
			return ca, false, err
		case certOK != keyOK:
			return nil, false, fmt.Errorf("%s CA is incomplete: %s and %s must both exist (use force to recreate it)", issuer, certFile, keyFile)
		}
	}
	ca, err = newCA(issuer, opts.KeyType)
	if err != nil {
		return nil, false, err
	}
	if err := ensureDir(dir); err != nil {
		return nil, false, err
	}
	keyPEM, err := encodeKey(ca.Key)
	if err != nil {
		return nil, false, err
	}
	// Key first: a certificate without its key is the worse half-state.
	if err := WriteFilePrivate(keyFile, keyPEM); err != nil {
		return nil, false, err
	}
	if err := writeFileAtomic(certFile, encodeCerts([]*x509.Certificate{ca.Cert}), 0o644); err != nil {
		return nil, false, err
	}
	ca.CertFile, ca.KeyFile = certFile, keyFile
	return ca, true, nil
}

func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return false, fmt.Errorf("stat %s: %w", path, err)
}

func newCA(issuer Issuer, kt KeyType) (*CA, error) {
	key, err := generateKey(kt)
	if err != nil {
		return nil, err
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: issuer.commonName(), Organization: []string{"edgesim lab"}},
		// Backdated by an hour so peers with a slightly slow clock accept it.
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		// The lab CAs sign leaves, and the lab root one intermediate (the
		// missing-intermediate scenarios): a path length of 1.
		MaxPathLen:   1,
		KeyUsage:     x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		SubjectKeyId: subjectKeyID(key.Public()),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("create %s CA certificate: %w", issuer, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse %s CA certificate: %w", issuer, err)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// LoadCA reads a CA from PEM files. Besides the key/certificate pairing it
// insists on a CA certificate, since leaves signed by anything else would
// fail verification with a confusing error far from the cause.
func LoadCA(certFile, keyFile string) (*CA, error) {
	certs, err := ReadCertificates(certFile)
	if err != nil {
		return nil, fmt.Errorf("load CA: %w", err)
	}
	key, err := ReadPrivateKey(keyFile)
	if err != nil {
		return nil, fmt.Errorf("load CA: %w", err)
	}
	cert := certs[0]
	if err := keyMatches(cert, key); err != nil {
		return nil, fmt.Errorf("load CA: %s does not belong to %s: %w", keyFile, certFile, err)
	}
	if !cert.IsCA || cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, fmt.Errorf("load CA: %s is not a CA certificate (needs basic constraints CA:TRUE and keyCertSign)", certFile)
	}
	return &CA{Cert: cert, Key: key, CertFile: certFile, KeyFile: keyFile}, nil
}

var serialLimit = new(big.Int).Lsh(big.NewInt(1), 128)

// randomSerial draws a 128-bit serial; random serials keep re-issued lab
// certificates distinct, which matters to TLS session caches and to anyone
// comparing certificates by issuer+serial.
func randomSerial() (*big.Int, error) {
	for {
		n, err := rand.Int(rand.Reader, serialLimit)
		if err != nil {
			return nil, fmt.Errorf("generate serial number: %w", err)
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
}

// subjectKeyID is RFC 5280 §4.2.1.2 method 1 (SHA-1 of the public key bits),
// computed here rather than left to crypto/x509 so the value does not change
// with the Go release and matches what openssl and Windows compute.
func subjectKeyID(pub crypto.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil // x509 then derives one itself
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil
	}
	sum := sha1.Sum(spki.PublicKey.Bytes)
	return sum[:]
}
