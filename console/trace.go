package console

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/edgesim/edgesim/edge/policy"
)

// ruleView is one rule of the trace as the checklist shows it: what it read, spelled out for the
// rules a trainer points at (SRV answers, the in-domain test, the certificate's names, chain,
// validity and usage).
type ruleView struct {
	policy.Rule
	Facts []string  // one line a fact: the SRV answers, the target, the addresses …
	SANs  []sanView // the certificate rule: the names the certificate carries
	// Expected are the names the certificate may carry; Missing is set when it carries none of them.
	Expected []string
	Missing  bool
	Cert     []string // chain, anchor, validity, EKU, signature
}

type sanView struct {
	Name     string
	Expected bool
}

func traceViews(trace []policy.Rule) []ruleView {
	out := make([]ruleView, 0, len(trace))
	for _, r := range trace {
		out = append(out, ruleView{Rule: r})
		v := &out[len(out)-1]
		in := r.Inputs
		if in.Domain != "" {
			v.Facts = append(v.Facts, "domain "+in.Domain+source(in.DomainSource))
		}
		if in.ProxyFQDN != "" {
			v.Facts = append(v.Facts, "proxy FQDN (allowed list) "+in.ProxyFQDN)
		}
		if in.SRVName != "" {
			v.Facts = append(v.Facts, "SRV "+in.SRVName)
		}
		for _, t := range in.SRV {
			v.Facts = append(v.Facts, fmt.Sprintf("  → %s:%d  priority %d weight %d", t.Target, t.Port, t.Priority, t.Weight))
		}
		if in.Target != "" {
			v.Facts = append(v.Facts, "target "+in.Target)
		}
		if len(in.Addresses) > 0 {
			v.Facts = append(v.Facts, "addresses "+strings.Join(in.Addresses, ", "))
		}
		if in.Address != "" {
			v.Facts = append(v.Facts, "address "+in.Address)
		}
		if in.RequestURI != "" {
			v.Facts = append(v.Facts, "Request-URI "+in.RequestURI)
		}
		if in.Response != "" {
			v.Facts = append(v.Facts, "answer "+in.Response)
		}
		if in.Error != "" {
			v.Facts = append(v.Facts, "error: "+in.Error)
		}
		if c := in.Certificate; c != nil {
			v.Expected = in.ExpectedFQDN
			names := c.SANDNS
			if len(names) == 0 && c.SubjectCN != "" {
				names = []string{c.SubjectCN} // no SAN: Schannel falls back to the CN
			}
			for _, n := range names {
				v.SANs = append(v.SANs, sanView{n, slices.ContainsFunc(in.ExpectedFQDN, func(e string) bool { return strings.EqualFold(e, n) })})
			}
			v.Missing = len(in.ExpectedFQDN) > 0 && !slices.ContainsFunc(v.SANs, func(s sanView) bool { return s.Expected })
			v.Cert = certFacts(c, in)
		}
	}
	return out
}

func source(s string) string {
	if s == "" {
		return ""
	}
	return " (from " + s + ")"
}

func certFacts(c *policy.CertFacts, in policy.Inputs) []string {
	out := []string{"subject CN " + c.SubjectCN + ", issued by " + c.IssuerCN}
	if len(c.Chain) > 0 {
		out = append(out, "chain sent: "+strings.Join(c.Chain, " ← "))
	}
	anchor := c.Anchor
	if anchor == "" {
		anchor = "none reached"
	}
	out = append(out, "trust anchor: "+anchor)
	if len(in.TrustAnchors) > 0 {
		out = append(out, "anchors trusted: "+strings.Join(in.TrustAnchors, ", "))
	}
	valid := "valid " + day(c.NotBefore) + " to " + day(c.NotAfter)
	if at := in.CheckedAt; at != nil && (at.After(c.NotAfter) || at.Before(c.NotBefore)) {
		valid += " (not valid when checked, " + day(*at) + ")"
	}
	out = append(out, valid)
	eku := "EKU " + strings.Join(c.EKUs, ", ")
	if len(c.EKUs) == 0 {
		eku = "EKU: none listed"
	}
	if in.Usage != "" {
		eku += "; needed " + in.Usage
	}
	out = append(out, eku)
	if c.Signature != "" {
		out = append(out, "signature "+c.Signature)
	}
	return out
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }
