package certs

import (
	"crypto/x509"
	"strings"
)

// NormalizeFQDN puts a DNS name in the form the Edge compares: trimmed,
// without the root's trailing dot (SRV targets carry one, certificates do
// not), lower-case.
func NormalizeFQDN(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	return strings.ToLower(s)
}

// CertificateNames are the names the Edge will match against: the SAN DNS
// names, and the Common Name only when there are none. A CN next to SANs is
// ignored, which is the trap the seed's lab fell into.
func CertificateNames(c *x509.Certificate) []string {
	if c == nil {
		return nil
	}
	if len(c.DNSNames) > 0 {
		return append([]string(nil), c.DNSNames...)
	}
	if c.Subject.CommonName != "" {
		return []string{c.Subject.CommonName}
	}
	return nil
}

// MatchesFQDN reports whether c names fqdn under the Edge's rule: exact,
// case-insensitive, trailing dot ignored. Wildcards never match, not even a
// literal "*.example" query against a "*.example" name, since the Edge treats
// a wildcard as no name at all.
func MatchesFQDN(c *x509.Certificate, fqdn string) bool {
	want := NormalizeFQDN(fqdn)
	if want == "" || strings.Contains(want, "*") {
		return false
	}
	for _, n := range CertificateNames(c) {
		if NormalizeFQDN(n) == want {
			return true
		}
	}
	return false
}

// PresentedName is the name the Edge logs for a peer (PeerServer in
// ms-diagnostics, certName in its log): the CN, falling back to the first SAN
// DNS name for certificates with an empty subject.
func PresentedName(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	if len(c.DNSNames) > 0 {
		return c.DNSNames[0]
	}
	return ""
}
