package certs

import (
	"bytes"
	"crypto/x509"
	"strings"
)

// SentPathTop follows the issuer links from the leaf through the certificates as sent, and returns
// the last one reached: a self-signed root when the chain is complete, else the certificate whose
// issuer is missing. The Edge's store may still hold that issuer; this is about what was sent.
func SentPathTop(chain []*x509.Certificate) *x509.Certificate {
	if len(chain) == 0 {
		return nil
	}
	cur := chain[0]
	seen := map[*x509.Certificate]bool{cur: true}
	for !IsSelfSigned(cur) {
		next := issuerIn(cur, chain)
		if next == nil || seen[next] {
			break
		}
		seen[next] = true
		cur = next
	}
	return cur
}

func issuerIn(c *x509.Certificate, chain []*x509.Certificate) *x509.Certificate {
	for _, p := range chain {
		if p != nil && p != c && bytes.Equal(c.RawIssuer, p.RawSubject) && p.IsCA {
			return p
		}
	}
	return nil
}

// IsSelfSigned reports a certificate that names itself as issuer; its signature is not checked,
// since Go no longer verifies SHA-1 ones and a root's own signature proves nothing anyway.
func IsSelfSigned(c *x509.Certificate) bool {
	return c != nil && bytes.Equal(c.RawIssuer, c.RawSubject)
}

// firstSHA1 is the first certificate of the chain as sent signed with SHA-1, roots excepted: a
// root's self-signature is not what Windows judges.
func firstSHA1(chain []*x509.Certificate) *x509.Certificate {
	for _, c := range chain {
		if c != nil && IsSHA1(c) && !(c.IsCA && IsSelfSigned(c)) {
			return c
		}
	}
	return nil
}

// EKUNames lists a certificate's extended key usages as people write them; "none" when it has no
// EKU extension (which allows every usage).
func EKUNames(c *x509.Certificate) string {
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return "none (any usage)"
	}
	var names []string
	for _, u := range c.ExtKeyUsage {
		names = append(names, usageLabel(u))
	}
	for _, o := range c.UnknownExtKeyUsage {
		names = append(names, o.String())
	}
	return strings.Join(names, ", ")
}

func usageLabel(u x509.ExtKeyUsage) string {
	switch u {
	case x509.ExtKeyUsageServerAuth:
		return "serverAuth"
	case x509.ExtKeyUsageClientAuth:
		return "clientAuth"
	case x509.ExtKeyUsageAny:
		return "any"
	}
	return "other"
}

func roleOf(u x509.ExtKeyUsage) string {
	if u == x509.ExtKeyUsageClientAuth {
		return "client"
	}
	return "server"
}
