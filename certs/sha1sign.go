package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
)

// SHA-1 signatures are what a 2010s PKI still hands out, and the Edge refuses them. crypto/x509
// refuses to make one, so resignSHA1 takes a certificate crypto/x509 signed with SHA-256 and signs
// its TBSCertificate again by hand, with the signature algorithm in both places changed to SHA-1.
var (
	oidSHA1WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidECDSAWithSHA1 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
)

// algorithmIdentifier is RFC 5280's; Parameters stays a raw NULL for RSA and is absent for ECDSA.
type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type certificateDER struct {
	TBS       asn1.RawValue
	Algorithm algorithmIdentifier
	Signature asn1.BitString
}

func sha1Algorithm(key crypto.Signer) (algorithmIdentifier, error) {
	switch key.Public().(type) {
	case *rsa.PublicKey:
		return algorithmIdentifier{Algorithm: oidSHA1WithRSA, Parameters: asn1.NullRawValue}, nil
	case *ecdsa.PublicKey:
		return algorithmIdentifier{Algorithm: oidECDSAWithSHA1}, nil
	}
	return algorithmIdentifier{}, fmt.Errorf("sha-1: cannot sign with a %T key", key.Public())
}

// resignSHA1 returns der signed again by signer with SHA-1.
func resignSHA1(der []byte, signer crypto.Signer) ([]byte, error) {
	alg, err := sha1Algorithm(signer)
	if err != nil {
		return nil, err
	}
	var cert certificateDER
	if rest, err := asn1.Unmarshal(der, &cert); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("sha-1: parse certificate: %w", errors.Join(err, trailing(rest)))
	}
	tbs, err := replaceTBSAlgorithm(cert.TBS.FullBytes, alg)
	if err != nil {
		return nil, err
	}
	sum := sha1.Sum(tbs)
	// Both signers accept a SHA-1 digest: rsa.PrivateKey writes PKCS#1 v1.5 with SHA-1's DigestInfo,
	// ecdsa.PrivateKey signs whatever digest it is given.
	sig, err := signer.Sign(rand.Reader, sum[:], crypto.SHA1)
	if err != nil {
		return nil, fmt.Errorf("sha-1: sign: %w", err)
	}
	out, err := asn1.Marshal(certificateDER{TBS: asn1.RawValue{FullBytes: tbs}, Algorithm: alg,
		Signature: asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		return nil, fmt.Errorf("sha-1: marshal certificate: %w", err)
	}
	return out, nil
}

// replaceTBSAlgorithm rewrites TBSCertificate's signature field (the third element after the
// explicit [0] version, the second without it) and keeps every other byte as crypto/x509 made it.
func replaceTBSAlgorithm(tbs []byte, alg algorithmIdentifier) ([]byte, error) {
	var seq asn1.RawValue
	if _, err := asn1.Unmarshal(tbs, &seq); err != nil {
		return nil, fmt.Errorf("sha-1: parse tbs: %w", err)
	}
	var elems []asn1.RawValue
	for rest := seq.Bytes; len(rest) > 0; {
		var e asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &e); err != nil {
			return nil, fmt.Errorf("sha-1: parse tbs field: %w", err)
		}
		elems = append(elems, e)
	}
	i := 1
	if len(elems) > 0 && elems[0].Class == asn1.ClassContextSpecific && elems[0].Tag == 0 {
		i = 2
	}
	if len(elems) <= i {
		return nil, errors.New("sha-1: tbs certificate is too short")
	}
	algDER, err := asn1.Marshal(alg)
	if err != nil {
		return nil, fmt.Errorf("sha-1: marshal algorithm: %w", err)
	}
	var body []byte
	for j, e := range elems {
		if j == i {
			body = append(body, algDER...)
			continue
		}
		body = append(body, e.FullBytes...)
	}
	out, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: body})
	if err != nil {
		return nil, fmt.Errorf("sha-1: marshal tbs: %w", err)
	}
	return out, nil
}

func trailing(rest []byte) error {
	if len(rest) > 0 {
		return fmt.Errorf("%d trailing bytes", len(rest))
	}
	return nil
}

// IsSHA1 reports a signature made with SHA-1. Go 1.24 and later no longer verify these, so the
// Edge's rule must spot them itself rather than learn of them from x509.Verify.
func IsSHA1(c *x509.Certificate) bool {
	switch c.SignatureAlgorithm {
	case x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1:
		return true
	}
	return false
}
