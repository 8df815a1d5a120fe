package policy

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/edgesim/edgesim/certs"
)

// CertChecker is the certificate rule as the policy calls it; certs.Check is the rule itself.
type CertChecker func(certs.CheckInput) certs.CheckResult

func (p *Policy) check(in certs.CheckInput) certs.CheckResult {
	if p.Check != nil {
		return p.Check(in)
	}
	return certs.Check(in)
}

// CheckPeer holds a presented chain to the first candidate name it satisfies (§1, §2 step 6): allowed
// with MatchedFQDN, or the 1010 row of the fault. A failure names the first (most preferred) candidate,
// as the Edge's tls-target does. The rule it returns carries the certificate's facts and each check.
func (p *Policy) CheckPeer(chain []*x509.Certificate, candidates []string, usage x509.ExtKeyUsage, now time.Time) (Verdict, Rule) {
	var first certs.CheckResult
	matched := ""
	for i, name := range candidates {
		res := p.check(certs.CheckInput{Chain: chain, FQDN: name, Roots: p.Roots, Now: now, Usage: usage})
		if i == 0 {
			first = res
		}
		if res.Fault == certs.FaultNone {
			first, matched = res, name
			break
		}
		if res.Fault != certs.FaultWrongPrincipal {
			break // trust, validity, usage and signature do not depend on the name
		}
	}
	r := p.explain(chain, candidates, usage, now, first, matched)
	if matched != "" {
		r.Outcome = Pass
		v := allow(matched)
		return v, r
	}
	v := certTrust(first.Fault, candidates[0], presented(chain), usageName(usage))
	r.Outcome, r.Row = Fail, v.Row
	return v, r
}

// ExplainKey names one explanation of the certificate rule: the same presented chain, held to the
// same names for the same use, in the same minute, gets the same rule in its trace. The chain is the
// one presented, which an Explainer should compare by content: every connection parses its own copy of
// a peer's chain, and one entry per connection would grow with the connections, each entry keeping its
// certificates alive after the connection is gone. A key is not comparable (the chain is a slice).
type ExplainKey struct {
	Chain      []*x509.Certificate
	Candidates string
	Usage      x509.ExtKeyUsage
	Matched    string
	Minute     int64
}

// Explainer remembers built certificate rules; it must return what build returns, or a copy of an
// earlier result for the same key. Nil builds every time.
type Explainer func(k ExplainKey, build func() Rule) Rule

// explain is certRule through the Explainer: the trace costs more to build than a memoised verdict.
func (p *Policy) explain(chain []*x509.Certificate, candidates []string, usage x509.ExtKeyUsage, now time.Time, res certs.CheckResult, matched string) Rule {
	build := func() Rule { return p.certRule(chain, candidates, usage, now, res, matched) }
	if p.Explain == nil || len(chain) == 0 {
		return build()
	}
	k := ExplainKey{Chain: chain, Candidates: strings.Join(candidates, ","), Usage: usage,
		Matched: matched, Minute: now.Unix() / 60}
	r := p.Explain(k, build)
	at := now
	r.Inputs.CheckedAt = &at
	return r
}

func (p *Policy) certRule(chain []*x509.Certificate, candidates []string, usage x509.ExtKeyUsage, now time.Time, res certs.CheckResult, matched string) Rule {
	at := now
	r := Rule{Name: RuleCertificate, Section: "§1", Detail: res.Detail, Inputs: Inputs{ExpectedFQDN: candidates,
		Usage: usageName(usage), TrustAnchors: p.TrustAnchors, CheckedAt: &at}}
	if len(chain) == 0 || chain[0] == nil {
		r.Detail = "no certificate presented"
		for _, c := range []string{"name", "trust", "validity", "usage", "signature", "key", "chain"} {
			r.Checks = append(r.Checks, Check{Name: c, Outcome: Skip, Detail: "no certificate seen"})
		}
		return r
	}
	leaf := chain[0]
	r.Inputs.Certificate = certFacts(chain, res.Anchor)
	want := candidates[0]
	if matched != "" {
		want = matched
		r.Detail = fmt.Sprintf("%s is named by the certificate, its chain is trusted, valid until %s", matched, leaf.NotAfter.UTC().Format(time.DateOnly))
	} else if row, ok := CertRow(res.Fault); ok {
		r.Detail = row.ErrorType + ": " + res.Detail
	}
	r.Checks = p.certChecks(chain, want, usage, now, res)
	return r
}

func certFacts(chain []*x509.Certificate, anchor string) *CertFacts {
	leaf := chain[0]
	f := &CertFacts{SubjectCN: leaf.Subject.CommonName, SANDNS: append([]string{}, leaf.DNSNames...), IssuerCN: leaf.Issuer.CommonName,
		NotBefore: leaf.NotBefore.UTC(), NotAfter: leaf.NotAfter.UTC(), Signature: leaf.SignatureAlgorithm.String(),
		EKUs: []string{}, Anchor: anchor}
	for _, u := range leaf.ExtKeyUsage {
		f.EKUs = append(f.EKUs, usageName(u))
	}
	for _, c := range chain {
		if c != nil {
			f.Chain = append(f.Chain, c.Subject.CommonName)
		}
	}
	return f
}

func usageName(u x509.ExtKeyUsage) string {
	switch u {
	case x509.ExtKeyUsageServerAuth:
		return "serverAuth"
	case x509.ExtKeyUsageClientAuth:
		return "clientAuth"
	case x509.ExtKeyUsageAny:
		return "any"
	}
	return fmt.Sprintf("eku(%d)", int(u))
}

func presented(chain []*x509.Certificate) string {
	if len(chain) == 0 || chain[0] == nil {
		return ""
	}
	return certs.PresentedName(chain[0])
}
