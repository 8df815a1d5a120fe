package certs

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"strings"
	"time"
)

// LeafRequest describes a leaf certificate, including the faulty shapes the
// training scenarios need.
type LeafRequest struct {
	CommonName string
	// SANs are DNS names. Wildcards are allowed: they exist to show the Edge
	// refusing them.
	SANs []string
	// NoSAN leaves out the SAN extension entirely, giving a CN-only
	// certificate (the one case where the Edge looks at the CN).
	NoSAN bool
	// Days is the validity period; 0 means 397, the longest public CAs issue.
	Days int
	// Expired makes a certificate that ended yesterday.
	Expired bool
	KeyType KeyType
	// NotBefore pins the start of validity for deterministic tests; zero
	// means an hour ago, to tolerate clock skew between lab machines.
	NotBefore time.Time
	// EKU is the extended key usage; "" is both, what federation needs.
	EKU EKU
	// SelfSigned makes the leaf its own issuer, like an Expressway's factory
	// certificate; the CA issuing it only names the request.
	SelfSigned bool
	// SHA1 signs the leaf with SHA-1 (re-signed by hand: see resignSHA1).
	SHA1 bool
	// OmitIntermediate leaves the issuing intermediate out of the chain as
	// written and sent, as a server configured without its chain does.
	OmitIntermediate bool
}

// EKU is a leaf's extended key usage: what public CAs' 2025–2026 products
// changed (they dropped clientAuth from server certificates).
type EKU string

const (
	EKUBoth   EKU = "both"
	EKUServer EKU = "server"
	EKUClient EKU = "client"
)

// ParseEKU accepts server, client or both; "" is both.
func ParseEKU(s string) (EKU, error) {
	switch e := EKU(strings.ToLower(strings.TrimSpace(s))); e {
	case "":
		return EKUBoth, nil
	case EKUBoth, EKUServer, EKUClient:
		return e, nil
	}
	return "", fmt.Errorf("unknown extended key usage %q (want server, client or both)", s)
}

func (e EKU) usages() []x509.ExtKeyUsage {
	switch e {
	case EKUServer:
		return []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	case EKUClient:
		return []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	return []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
}

const defaultLeafDays = 397

// Leaf is an issued certificate with its key.
type Leaf struct {
	Chain []*x509.Certificate // leaf first, then the issuing CA(s) up to the root
	Key   crypto.Signer
}

// Issue signs a leaf. Without SANs and without NoSAN the SAN list is the
// CommonName, which is what a correctly made federation certificate has.
// Leaves carry both serverAuth and clientAuth unless req.EKU says otherwise,
// because federation is mutual TLS: the same certificate is a server outbound
// and a client inbound.
func (ca *CA) Issue(req LeafRequest) (*Leaf, error) {
	if ca == nil || ca.Cert == nil || ca.Key == nil {
		return nil, errors.New("issue: CA has no certificate or key")
	}
	eku, err := ParseEKU(string(req.EKU))
	if err != nil {
		return nil, fmt.Errorf("issue: %w", err)
	}
	sans := req.SANs
	switch {
	case req.NoSAN && len(sans) > 0:
		return nil, errors.New("issue: NoSAN and SANs are mutually exclusive")
	case req.NoSAN && req.CommonName == "":
		return nil, errors.New("issue: a certificate without SANs needs a common name")
	case !req.NoSAN && len(sans) == 0 && req.CommonName == "":
		return nil, errors.New("issue: need a common name or at least one SAN")
	case !req.NoSAN && len(sans) == 0:
		sans = []string{req.CommonName}
	}
	if req.NoSAN {
		sans = nil
	}
	notBefore, notAfter, err := validity(req, time.Now())
	if err != nil {
		return nil, err
	}
	key, err := generateKey(req.KeyType)
	if err != nil {
		return nil, fmt.Errorf("issue: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, fmt.Errorf("issue: %w", err)
	}
	usage := x509.KeyUsageDigitalSignature
	if _, ok := key.(*rsa.PrivateKey); ok {
		// TLS 1.2 RSA key exchange encrypts to the certificate key.
		usage |= x509.KeyUsageKeyEncipherment
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: req.CommonName},
		DNSNames:              sans,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              usage,
		ExtKeyUsage:           eku.usages(),
		BasicConstraintsValid: true,
		AuthorityKeyId:        ca.Cert.SubjectKeyId,
	}
	parent, signer := ca.Cert, ca.Key
	if req.SelfSigned {
		tmpl.Issuer, tmpl.AuthorityKeyId = tmpl.Subject, nil
		parent, signer = tmpl, key
	}
	cert, err := sign(tmpl, parent, key.Public(), signer, req.SHA1)
	if err != nil {
		return nil, fmt.Errorf("issue %q: %w", req.CommonName, err)
	}
	chain := []*x509.Certificate{cert}
	if !req.SelfSigned {
		chain = append(chain, ca.chain(req.OmitIntermediate)...)
	}
	return &Leaf{Chain: chain, Key: key}, nil
}

// sign is x509.CreateCertificate, re-signed with SHA-1 when asked.
func sign(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer, sha1 bool) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, err
	}
	if sha1 {
		if der, err = resignSHA1(der, signer); err != nil {
			return nil, err
		}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	return cert, nil
}

// validity computes the leaf's window. An expired leaf spans
// [now-2*Days, now-1 day], Days defaulting to 30, so it is unambiguously in
// the past whatever the clock skew; NotBefore, when set, still pins its start.
func validity(req LeafRequest, now time.Time) (notBefore, notAfter time.Time, err error) {
	if req.Days < 0 {
		return time.Time{}, time.Time{}, fmt.Errorf("issue: negative validity %d days", req.Days)
	}
	day := 24 * time.Hour
	if req.Expired {
		days := req.Days
		if days == 0 {
			days = 30
		}
		notBefore, notAfter = now.Add(-2*time.Duration(days)*day), now.Add(-day)
		if !req.NotBefore.IsZero() {
			notBefore = req.NotBefore
		}
		if !notBefore.Before(notAfter) {
			return time.Time{}, time.Time{}, fmt.Errorf("issue: expired certificate would start at %s, after it ends at %s",
				notBefore.Format(time.RFC3339), notAfter.Format(time.RFC3339))
		}
		return notBefore, notAfter, nil
	}
	days := req.Days
	if days == 0 {
		days = defaultLeafDays
	}
	notBefore = req.NotBefore
	if notBefore.IsZero() {
		notBefore = now.Add(-time.Hour)
	}
	return notBefore, notBefore.Add(time.Duration(days) * day), nil
}

// WriteFiles writes PREFIX.pem (leaf then chain, the order TLS servers send)
// and PREFIX.key (PKCS#8, 0600).
func (l *Leaf) WriteFiles(prefix string) (certFile, keyFile string, err error) {
	certFile, keyFile = prefix+".pem", prefix+".key"
	keyPEM, err := encodeKey(l.Key)
	if err != nil {
		return "", "", err
	}
	if err := WriteFilePrivate(keyFile, keyPEM); err != nil {
		return "", "", err
	}
	if err := writeFileAtomic(certFile, encodeCerts(l.Chain), 0o644); err != nil {
		return "", "", err
	}
	return certFile, keyFile, nil
}

// TLSCertificate returns the leaf ready for a tls.Config, Leaf set so callers
// need not re-parse it.
func (l *Leaf) TLSCertificate() tls.Certificate {
	return tlsCertificate(l.Chain, l.Key)
}
