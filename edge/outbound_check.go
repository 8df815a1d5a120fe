package edge

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/edge/policy"
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
	// Trace is the rules the Edge applied, in order, with what each read (docs/edge-behaviour.md §8).
	Trace []policy.Rule `json:"trace"`
	// Warnings are what passes today but is fragile (§7): expiry within 30 days, a chain that
	// validates only thanks to the Edge's store, an 8192-bit key, no clientAuth for the other direction.
	Warnings []string `json:"warnings,omitempty"`
}

// Check runs the outbound DNS, TCP, TLS and certificate rules against domain without a call.
func (l *Lab) Check(ctx context.Context, domain string) CheckReport {
	return (&Outbound{Lab: l, Logger: zerolog.Nop()}).Check(ctx, domain, time.Now(), nil)
}

// Check is the preflight: the handshake is closed as soon as the certificate is judged. It writes
// no Edge-log record, since no message was refused.
func (o *Outbound) Check(ctx context.Context, domain string, now time.Time, events func(Step)) CheckReport {
	rep := CheckReport{Domain: policy.Normalize(domain)}
	if o.Recorder != nil {
		var done func(CheckReport)
		ctx, done = o.Recorder.beginCheck(ctx, time.Now())
		defer func() { done(rep) }()
	}
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
	rep.Target, rep.PeerServer = r.targetHostPort(), r.verdict.PeerServer
	if r.addr.IsValid() {
		rep.PeerAddr = r.addr.String()
	}
	rep.Pass = !r.refused()
	if r.refused() && r.verdict.Diagnostic != nil {
		rep.Diagnostic = "ms-diagnostics: " + r.verdict.Diagnostic.Header(o.Lab.Config.Edge.FQDN)
	}
	rep.Trace = r.verdict.Trace
	rep.Rules = rules(rep, r)
	rep.Warnings = o.warnings(r, rep, now)
	return rep
}

// warnings judges the server certificate the Edge saw last as certs inspect does, and adds that one
// without clientAuth cannot call the Edge: calls the other way fail in the TLS handshake.
func (o *Outbound) warnings(r reached, rep CheckReport, now time.Time) []string {
	var chain []*x509.Certificate
	for _, d := range r.facts.Dials {
		if len(d.Chain) > 0 {
			chain = d.Chain
		}
	}
	if len(chain) == 0 || chain[0] == nil {
		return nil
	}
	ins := certs.Inspect(chain, r.verdict.MatchedFQDN, o.Lab.Roots, now)
	out := ins.Warnings
	if rep.Pass && !certs.HasUsage(chain[0], x509.ExtKeyUsageClientAuth) {
		out = append(out, fmt.Sprintf("usage: the certificate lacks clientAuth (EKU %s): calls from %s to the Edge will be refused in the TLS handshake (scenario cert-no-clientauth-inbound)",
			certs.EKUNames(chain[0]), rep.Domain))
	}
	return out
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

// rules lays the steps and the certificate rule's checks out as a checklist; viaProxy marks the DNS
// rules not applicable.
func rules(rep CheckReport, r reached) []Rule {
	var out []Rule
	viaProxy := r.facts.SRV == nil && len(rep.Trace) > 0 && rep.Trace[0].Inputs.ProxyFQDN != ""
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
		if rule.Result == RuleSkip && viaProxy && (sr.kind == StepSRV || sr.kind == StepInDomain) {
			rule.Detail = "not applicable: an allowed partner with a proxy FQDN"
		}
		out = append(out, rule)
	}
	cert := certRules(rep.Trace)
	out = append(out, cert...)
	if rep.Diagnostic == "" {
		return out
	}
	// The Edge reports one fault; it goes on the rule that produced it.
	decided := -1
	if row, ok := policy.Lookup(r.verdict.Row); ok && row.Code == 1010 {
		if i, ok := certRuleOf[row.Fault]; ok {
			decided = len(stepRules) + i
		}
	}
	if decided < 0 {
		for i, rule := range out {
			if rule.Result == RuleFail {
				decided = i
				break
			}
		}
	}
	if decided >= 0 {
		out[decided].Diagnostic = rep.Diagnostic
	}
	return out
}

// certRuleOf places each certificate fault on its rule among certRules' results.
var certRuleOf = map[certs.Fault]int{certs.FaultWrongPrincipal: 0, certs.FaultUntrustedRoot: 1, certs.FaultExpired: 2,
	certs.FaultWrongUsage: 3, certs.FaultWeakSignature: 4, certs.FaultIncompleteChain: 6}

var certRuleNames = []struct{ check, name string }{
	{"name", "the certificate names the SRV target (SAN, or CN when there is no SAN)"},
	{"trust", "the certificate chains to a CA the Edge trusts"},
	{"validity", "the certificate is within its validity period"},
	{"usage", "the certificate's extended key usage allows serverAuth"},
	{"signature", "the chain as sent has no SHA-1 signature"},
	{"key", "the certificate's key"},
	{"chain", "the chain as sent reaches a trusted root"},
}

// certRules are the certificate rule's checks from the trace: each part judged on its own, so that a
// certificate both expired and misnamed shows both faults, while the Edge reports the first.
func certRules(trace []policy.Rule) []Rule {
	out := make([]Rule, len(certRuleNames))
	for i, n := range certRuleNames {
		out[i] = Rule{Name: n.name, Result: RuleSkip, Detail: "no certificate seen"}
	}
	for _, tr := range trace {
		if tr.Name != policy.RuleCertificate || tr.Inputs.Certificate == nil {
			continue
		}
		for _, c := range tr.Checks {
			for i, n := range certRuleNames {
				if c.Name == n.check {
					out[i].Result, out[i].Detail = outcomeResult(c.Outcome), c.Detail
				}
			}
		}
	}
	return out
}

func outcomeResult(o policy.Outcome) string {
	switch o {
	case policy.Pass:
		return RulePass
	case policy.Fail:
		return RuleFail
	}
	return RuleSkip
}
