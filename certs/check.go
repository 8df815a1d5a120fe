package certs

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Fault is why a peer certificate fails the Edge's rule. Its wire text (ErrorType, HRESULT) is the
// catalogue's, in edge/policy: this package says what is wrong, not how the Edge words it.
type Fault int

const (
	FaultNone Fault = iota
	FaultWrongPrincipal
	FaultUntrustedRoot
	FaultExpired
	FaultNoCertificate
	// FaultWrongUsage: the leaf's extended key usage lacks the one its role needs (clientAuth as
	// a client inbound, serverAuth as a server outbound).
	FaultWrongUsage
	// FaultIncompleteChain: the chain as sent stops below a root and the store lacks the rest
	// (typically the intermediate the server did not send).
	FaultIncompleteChain
	// FaultWeakSignature: a certificate of the chain as sent is signed with SHA-1.
	FaultWeakSignature
)

func (f Fault) String() string {
	switch f {
	case FaultNone:
		return "none"
	case FaultWrongPrincipal:
		return "wrong-principal"
	case FaultUntrustedRoot:
		return "untrusted-root"
	case FaultExpired:
		return "expired"
	case FaultNoCertificate:
		return "no-certificate"
	case FaultWrongUsage:
		return "wrong-usage"
	case FaultIncompleteChain:
		return "incomplete-chain"
	case FaultWeakSignature:
		return "weak-signature"
	}
	return "fault(" + strconv.Itoa(int(f)) + ")"
}

// CheckInput is everything the rule looks at; no I/O happens in Check.
type CheckInput struct {
	Chain []*x509.Certificate // as presented: leaf first
	FQDN  string              // the expected name (the SRV target)
	Roots *x509.CertPool      // trusted roots; nil or empty trusts nothing
	// Now is the evaluation time; zero means time.Now(), the one impurity
	// allowed so that callers in production need not pass a clock.
	Now time.Time
	// Usage is ClientAuth for inbound peers, ServerAuth outbound. The zero
	// value is x509.ExtKeyUsageAny, which skips the usage check.
	Usage x509.ExtKeyUsage
}

// CheckResult is the outcome of Check.
type CheckResult struct {
	Fault         Fault
	Detail        string // why, for people: the x509 error or the names compared
	PresentedName string
	// Anchor is the subject CN of the trusted root the chain was verified to, when it was.
	Anchor string
}

// Check applies the Edge's certificate rule. Faults are reported in the
// order Schannel would hit them: no certificate, validity period, usage,
// signature algorithm, trust (an incomplete chain apart from an untrusted
// root), then the name.
//
// Validity comes before trust because x509.Verify also fails on an expired
// leaf, and an expired certificate from a trusted CA must say "expired". An
// expired leaf is reported Expired only when its chain would otherwise
// verify; an expired leaf from an unknown CA is UntrustedRoot, the more
// fundamental fault (renewing it would not help). See trustedIgnoringTime.
func Check(in CheckInput) CheckResult {
	if len(in.Chain) == 0 || in.Chain[0] == nil {
		return CheckResult{Fault: FaultNoCertificate, Detail: "no certificate presented"}
	}
	leaf := in.Chain[0]
	res := CheckResult{PresentedName: PresentedName(leaf)}
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	roots := in.Roots
	if roots == nil {
		// Verify would fall back to the host's roots; the Edge trusts only
		// what it was configured with.
		roots = x509.NewCertPool()
	}
	inter := x509.NewCertPool()
	for _, c := range in.Chain[1:] {
		if c != nil {
			inter.AddCert(c)
		}
	}
	verifyAt := func(c *x509.Certificate, t time.Time, usage x509.ExtKeyUsage) error {
		chains, err := c.Verify(x509.VerifyOptions{
			Roots:         roots,
			Intermediates: inter,
			CurrentTime:   t,
			KeyUsages:     []x509.ExtKeyUsage{usage},
		})
		if err == nil && len(chains) > 0 && len(chains[0]) > 0 {
			res.Anchor = chains[0][len(chains[0])-1].Subject.CommonName
		}
		return err
	}

	if now.After(leaf.NotAfter) || now.Before(leaf.NotBefore) {
		if err := trustedIgnoringTime(leaf, in.Chain[1:], now, x509.ExtKeyUsageAny, verifyAt); err != nil { // usage is judged after validity
			res.Fault = FaultUntrustedRoot
			res.Detail = fmt.Sprintf("certificate is outside its validity period and its chain is not trusted either: %v", err)
			return res
		}
		res.Fault = FaultExpired
		res.Detail = fmt.Sprintf("certificate valid from %s to %s, checked at %s",
			leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		return res
	}
	if !HasUsage(leaf, in.Usage) {
		res.Fault = FaultWrongUsage
		res.Detail = fmt.Sprintf("the certificate's extended key usage is %s; presented as a %s it needs %s",
			EKUNames(leaf), roleOf(in.Usage), usageLabel(in.Usage))
		return res
	}
	if c := firstSHA1(in.Chain); c != nil {
		res.Fault = FaultWeakSignature
		res.Detail = fmt.Sprintf("%q is signed with %s", c.Subject.CommonName, c.SignatureAlgorithm)
		return res
	}
	if err := verifyAt(leaf, now, in.Usage); err != nil {
		res.Fault, res.Detail = FaultUntrustedRoot, err.Error()
		if top := SentPathTop(in.Chain); !IsSelfSigned(top) {
			res.Fault = FaultIncompleteChain
			res.Detail = fmt.Sprintf("the chain as sent stops at %q, issued by %q, which was not sent and is not in the Edge's store",
				top.Subject.CommonName, top.Issuer.CommonName)
		} else if top == leaf {
			res.Detail = fmt.Sprintf("the certificate is self-signed (%q issued by itself), as an Expressway's factory default certificate is", leaf.Subject.CommonName)
		}
		return res
	}
	if !MatchesFQDN(leaf, in.FQDN) {
		res.Fault = FaultWrongPrincipal
		res.Detail = wrongPrincipalDetail(leaf, in.FQDN)
		return res
	}
	return res
}

// trustedIgnoringTime decides whether an out-of-validity leaf would
// otherwise verify. x509.Verify cannot skip the time check, so it is run at
// moments inside the leaf's window. That fails when the leaf predates its
// CA — exactly the lab's case, where a freshly made CA signs a backdated
// expired leaf — so, failing that, the leaf's signature is checked against a
// presented issuer that itself verifies now. A leaf that predates its CA and
// arrives without it cannot be told apart from an untrusted one (a CertPool
// cannot be searched); only the lab can make such a certificate, and the
// lab's peers always send their chain.
func trustedIgnoringTime(leaf *x509.Certificate, rest []*x509.Certificate, now time.Time, usage x509.ExtKeyUsage,
	verifyAt func(*x509.Certificate, time.Time, x509.ExtKeyUsage) error) error {
	var firstErr error
	for _, t := range []time.Time{leaf.NotBefore.Add(time.Second), leaf.NotAfter.Add(-time.Second)} {
		err := verifyAt(leaf, t, usage)
		if err == nil {
			return nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if !HasUsage(leaf, usage) {
		return firstErr
	}
	for _, issuer := range rest {
		if issuer == nil || !bytes.Equal(leaf.RawIssuer, issuer.RawSubject) {
			continue
		}
		if leaf.CheckSignatureFrom(issuer) != nil {
			continue
		}
		// A CA certificate carries no EKU of its own to speak of; the
		// leaf's usage was checked above.
		err := verifyAt(issuer, now, x509.ExtKeyUsageAny)
		if err == nil {
			return nil
		}
		// Says "unknown authority" about the real issuer, clearer than the
		// time-shifted attempts' complaints about the CA's own validity.
		firstErr = err
	}
	return firstErr
}

// HasUsage reports whether c may be used for usage: a certificate without the EKU extension allows
// every use, as Schannel and crypto/x509 agree.
func HasUsage(c *x509.Certificate, usage x509.ExtKeyUsage) bool {
	if usage == x509.ExtKeyUsageAny || len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return true
	}
	for _, u := range c.ExtKeyUsage {
		if u == usage || u == x509.ExtKeyUsageAny {
			return true
		}
	}
	return false
}

func wrongPrincipalDetail(leaf *x509.Certificate, fqdn string) string {
	names := CertificateNames(leaf)
	var b strings.Builder
	fmt.Fprintf(&b, "expected %q", NormalizeFQDN(fqdn))
	switch {
	case len(names) == 0:
		b.WriteString(", certificate names nothing")
	case len(leaf.DNSNames) > 0:
		fmt.Fprintf(&b, ", certificate SAN DNS names are %s", strings.Join(quoteAll(names), ", "))
		if cn := leaf.Subject.CommonName; cn != "" && NormalizeFQDN(cn) == NormalizeFQDN(fqdn) {
			b.WriteString(" (the name is only in the CN, which is ignored when SANs are present)")
		}
	default:
		fmt.Fprintf(&b, ", certificate has no SAN DNS names and its CN is %q", names[0])
	}
	for _, n := range names {
		if strings.Contains(n, "*") {
			b.WriteString("; wildcard names never match")
			break
		}
	}
	return b.String()
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}
