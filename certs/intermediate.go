package certs

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"path/filepath"
	"time"
)

// The lab intermediate exists for one failure: a server that sends its leaf without the
// intermediate that signed it, to an Edge whose store lacks that intermediate. It lives beside the
// lab CA as lab-intermediate.pem, so edge.trust.ca_files can name it to show the store's fix.
const intermediateBase = "lab-intermediate"

// IntermediateFiles are where the lab intermediate of dir lives.
func IntermediateFiles(dir string) (certFile, keyFile string) {
	return filepath.Join(dir, intermediateBase+".pem"), filepath.Join(dir, intermediateBase+".key")
}

// chain is what a leaf issued by ca is sent with: ca and its parents up to the root; without the
// intermediates (ca itself when it has a parent) when omit is set.
func (ca *CA) chain(omit bool) []*x509.Certificate {
	var out []*x509.Certificate
	for c := ca; c != nil; c = c.Parent {
		if omit && c.Parent != nil {
			continue
		}
		out = append(out, c.Cert)
	}
	return out
}

// EnsureIntermediate loads dir's lab intermediate, or creates it signed by root. One signed by
// another root (the lab CA was recreated) is replaced, since its leaves could never verify.
func EnsureIntermediate(dir string, root *CA) (*CA, error) {
	certFile, keyFile := IntermediateFiles(dir)
	certOK, err := exists(certFile)
	if err != nil {
		return nil, err
	}
	if certOK {
		ca, err := LoadCA(certFile, keyFile)
		if err == nil && ca.Cert.CheckSignatureFrom(root.Cert) == nil {
			ca.Parent = root
			return ca, nil
		}
	}
	ca, err := NewIntermediate(root, false)
	if err != nil {
		return nil, err
	}
	keyPEM, err := encodeKey(ca.Key)
	if err != nil {
		return nil, err
	}
	if err := WriteFilePrivate(keyFile, keyPEM); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(certFile, encodeCerts([]*x509.Certificate{ca.Cert}), 0o644); err != nil {
		return nil, err
	}
	ca.CertFile, ca.KeyFile = certFile, keyFile
	return ca, nil
}

// NewIntermediate makes an intermediate CA under root, kept in memory; sha1 signs it with SHA-1,
// the other place a SHA-1 signature hides in an old chain.
func NewIntermediate(root *CA, sha1 bool) (*CA, error) {
	if root == nil || root.Cert == nil || root.Key == nil {
		return nil, fmt.Errorf("intermediate: no root CA")
	}
	if root.Cert.MaxPathLenZero {
		return nil, fmt.Errorf("intermediate: %s was made with path length 0 and cannot sign an intermediate; "+
			"recreate the lab CAs (edgesim certs init --force)", root.Cert.Subject.CommonName)
	}
	key, err := generateKey(KeyECDSAP256)
	if err != nil {
		return nil, err
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	name := "edgesim Lab Intermediate CA"
	if sha1 {
		name = "edgesim Lab SHA-1 Intermediate CA"
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name, Organization: []string{"edgesim lab"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caValidity / 2),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		SubjectKeyId:          subjectKeyID(key.Public()),
		AuthorityKeyId:        root.Cert.SubjectKeyId,
	}
	cert, err := sign(tmpl, root.Cert, key.Public(), root.Key, sha1)
	if err != nil {
		return nil, fmt.Errorf("intermediate: %w", err)
	}
	return &CA{Cert: cert, Key: key, Parent: root}, nil
}

// Via says what signs a leaf under an issuer's root.
type Via string

const (
	ViaRoot             Via = ""                  // the root itself
	ViaIntermediate     Via = "intermediate"      // the lab intermediate of the directory (lab issuer only)
	ViaSHA1Intermediate Via = "sha1-intermediate" // a fresh intermediate the root signs with SHA-1
)

// SigningCA is the CA that signs a leaf of issuer in dir, through via: the root, the lab
// intermediate (kept in dir so a trust store can name it), or a throwaway SHA-1 intermediate.
func SigningCA(dir string, issuer Issuer, via Via) (*CA, error) {
	root, _, err := EnsureCA(dir, issuer, CAOptions{})
	if err != nil {
		return nil, err
	}
	switch via {
	case ViaRoot:
		return root, nil
	case ViaIntermediate:
		if issuer != IssuerLab {
			return nil, fmt.Errorf("the lab intermediate hangs under the lab CA, not %s", issuer)
		}
		return EnsureIntermediate(dir, root)
	case ViaSHA1Intermediate:
		return NewIntermediate(root, true)
	}
	return nil, fmt.Errorf("unknown signer %q (want intermediate or sha1-intermediate)", via)
}
