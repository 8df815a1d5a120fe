package edge

import (
	"context"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/certs"
)

// Rule results of a check.
const (
	RulePass = "PASS"
	RuleFail = "FAIL"
	RuleSkip = "SKIP" // not reached, or not applicable
)

// Rule is one of the Edge's outbound rules and how the domain fared against it.
type Rule struct {
	Name       string `json:"rule"`
	Result     string `json:"result"`
	Detail     string `json:"detail"`
	Diagnostic string `json:"ms_diagnostics,omitempty"` // the line the Edge would send, on the rule that decided
}

// CheckReport is a domain's preflight: would the Edge send an INVITE there, and if not, why.
type CheckReport struct {
	Domain     string `json:"domain"`
	Pass       bool   `json:"pass"`
	Rules      []Rule `json:"rules"`
	Target     string `json:"target,omitempty"`
	PeerAddr   string `json:"peer_addr,omitempty"`
	PeerServer string `json:"peer_server,omitempty"`
	Diagnostic string `json:"ms_diagnostics,omitempty"`
	Steps      []Step `json:"steps"`
}

// Check runs the outbound DNS, TCP, TLS and certificate rules against domain without a call.
func (l *Lab) Check(ctx context.Context, domain string) CheckReport {
	return (&Outbound{Lab: l, Logger: zerolog.Nop()}).Check(ctx, domain, time.Now(), nil)
}

// Check is the preflight: the handshake is closed as soon as the certificate is judged. It writes
// no Edge-log record, since no message was refused.
func (o *Outbound) Check(ctx context.Context, domain string, now time.Time, events func(Step)) CheckReport {
	rep := CheckReport{Domain: normalize(domain)}
	emit := func(s Step) {
		rep.Steps = append(rep.Steps, s)
		if events != nil {
			events(s)
		}
	}
	r := o.reach(ctx, rep.Domain, now, emit)
	if r.conn != nil {
		_ = r.conn.Close()
	}
	rep.Target, rep.PeerServer = r.targetHostPort(), r.peerServer
	if r.addr.IsValid() {
		rep.PeerAddr = r.addr.String()
	}
	rep.Pass = r.verdict == nil
	if r.verdict != nil && r.verdict.Diagnostic != nil {
		rep.Diagnostic = "ms-diagnostics: " + r.verdict.Diagnostic.Header(o.Lab.Config.Edge.FQDN)
	}
	rep.Rules = o.rules(rep, r, now)
	return rep
}

var stepRules = []struct {
	kind StepKind
	name string
}{
	{StepFederation, "federation policy lets the domain through"},
	{StepSRV, "DNS SRV _sipfederationtls._tcp.<domain> answers"},
	{StepInDomain, "an SRV target lies directly in the domain"},
	{StepAddress, "the in-domain target has an A/AAAA record"},
	{StepConnect, "TCP connects to the target"},
	{StepTLS, "TLS handshake completes, Edge certificate presented"},
}

func (o *Outbound) rules(rep CheckReport, r reached, now time.Time) []Rule {
	var rules []Rule
	for _, sr := range stepRules {
		rule := Rule{Name: sr.name, Result: RuleSkip, Detail: "not reached"}
		for _, s := range rep.Steps {
			if s.Kind != sr.kind {
				continue
			}
			rule.Result, rule.Detail = RuleFail, s.Text
			if s.OK {
				rule.Result = RulePass
			}
		}
		if rule.Result == RuleSkip && r.viaProxy && (sr.kind == StepSRV || sr.kind == StepInDomain) {
			rule.Detail = "not applicable: an allowed partner with a proxy FQDN"
		}
		rules = append(rules, rule)
	}
	rules = append(rules, certRules(r, o.Lab.Policy.Roots, now)...)
	if rep.Diagnostic == "" {
		return rules
	}
	// The Edge reports one fault; it goes on the rule that produced it.
	decided := -1
	if i, ok := certRuleOf[r.fault]; ok {
		decided = len(stepRules) + i
	} else {
		for i, rule := range rules {
			if rule.Result == RuleFail {
				decided = i
				break
			}
		}
	}
	if decided >= 0 {
		rules[decided].Diagnostic = rep.Diagnostic
	}
	return rules
}

// certRuleOf places each certificate fault on its rule among certRules' results.
var certRuleOf = map[certs.Fault]int{certs.FaultWrongPrincipal: 0, certs.FaultUntrustedRoot: 1, certs.FaultExpired: 2}

// certRules judge the server certificate against each part of the certificate rule separately,
// so that a certificate both expired and misnamed shows both faults; the Edge reports the first.
func certRules(r reached, roots *x509.CertPool, now time.Time) []Rule {
	name := Rule{Name: "the certificate names the SRV target (SAN, or CN when there is no SAN)", Result: RuleSkip, Detail: "no certificate seen"}
	trust := Rule{Name: "the certificate chains to a CA the Edge trusts", Result: RuleSkip, Detail: "no certificate seen"}
	valid := Rule{Name: "the certificate is within its validity period", Result: RuleSkip, Detail: "no certificate seen"}
	if len(r.chain) == 0 {
		return []Rule{name, trust, valid}
	}
	leaf := r.chain[0]
	if certs.MatchesFQDN(leaf, r.target.Target) {
		name.Result, name.Detail = RulePass, fmt.Sprintf("%s is among %s", r.target.Target, strings.Join(certs.CertificateNames(leaf), ", "))
	} else {
		name.Result, name.Detail = RuleFail, fmt.Sprintf("%s is not among %s", r.target.Target, strings.Join(certs.CertificateNames(leaf), ", "))
	}
	res := certs.Check(certs.CheckInput{Chain: r.chain, FQDN: r.target.Target, Roots: roots, Now: now, Usage: x509.ExtKeyUsageServerAuth})
	trust.Result, trust.Detail = RulePass, "issued by "+leaf.Issuer.CommonName
	if res.Fault == certs.FaultUntrustedRoot {
		trust.Result, trust.Detail = RuleFail, res.Detail
	}
	window := fmt.Sprintf("valid %s to %s", leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339))
	valid.Result, valid.Detail = RulePass, window
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		valid.Result = RuleFail
	}
	return []Rule{name, trust, valid}
}
