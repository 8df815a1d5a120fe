package certs

import (
	"crypto/x509"
	"fmt"
	"io"
	"strings"
	"time"
)

// Inspection is `edgesim certs inspect`: a certificate's particulars next to the Edge's verdict on
// it, rule by rule, so the trainee sees the cause and the evidence together.
type Inspection struct {
	Subject, Issuer     string
	SANs                []string
	NotBefore, NotAfter time.Time
	Names               []string // what the rule matches against
	// Result is the verdict for federation: Server's fault when it has one, else Client's.
	Result         CheckResult
	Server, Client CheckResult // the rule as the Edge applies it outbound (serverAuth) and inbound (clientAuth)
	FQDN           string
	Rules          []InspectRule
	Warnings       []string // what works today but is fragile
}

// InspectRule is one part of the rule: name, trust, validity, usage, signature, key, chain.
type InspectRule struct {
	Rule, Outcome, Detail string // outcome: pass, fail or warn
}

// ExpiryWarningDays is how close to its end a certificate draws a warning.
const ExpiryWarningDays = 30

// Inspect runs the Edge's rule both ways, since federation uses one certificate as client and
// server (§7): a certificate without clientAuth answers TLS but cannot call the Edge.
func Inspect(chain []*x509.Certificate, fqdn string, roots *x509.CertPool, now time.Time) Inspection {
	in := CheckInput{Chain: chain, FQDN: fqdn, Roots: roots, Now: now, Usage: x509.ExtKeyUsageServerAuth}
	ins := Inspection{Server: Check(in), FQDN: fqdn}
	in.Usage = x509.ExtKeyUsageClientAuth
	ins.Client = Check(in)
	ins.Result = ins.Server
	if ins.Result.Fault == FaultNone {
		ins.Result = ins.Client
	}
	if len(chain) == 0 || chain[0] == nil {
		return ins
	}
	leaf := chain[0]
	ins.Subject, ins.Issuer = leaf.Subject.String(), leaf.Issuer.String()
	ins.SANs = append([]string(nil), leaf.DNSNames...)
	ins.NotBefore, ins.NotAfter = leaf.NotBefore, leaf.NotAfter
	ins.Names = CertificateNames(leaf)
	ins.Rules, ins.Warnings = judge(chain, fqdn, roots, now, ins)
	return ins
}

// judge lays each part of the rule out on its own: a certificate both misnamed and expired shows both.
func judge(chain []*x509.Certificate, fqdn string, roots *x509.CertPool, now time.Time, ins Inspection) ([]InspectRule, []string) {
	leaf := chain[0]
	var rules []InspectRule
	var warns []string
	add := func(rule string, ok bool, detail string) {
		o := "pass"
		if !ok {
			o = "fail"
		}
		rules = append(rules, InspectRule{rule, o, detail})
	}
	add("name", MatchesFQDN(leaf, fqdn), fmt.Sprintf("%s among %s", orNone(NormalizeFQDN(fqdn)), orNone(strings.Join(CertificateNames(leaf), ", "))))
	anyUsage := Check(CheckInput{Chain: chain, FQDN: fqdn, Roots: roots, Now: now, Usage: x509.ExtKeyUsageAny})
	trustOK := anyUsage.Fault != FaultUntrustedRoot && anyUsage.Fault != FaultIncompleteChain
	trust := "issued by " + leaf.Issuer.CommonName
	if !trustOK {
		trust = anyUsage.Detail
	}
	add("trust", trustOK, trust)
	days := int(leaf.NotAfter.Sub(now).Hours() / 24)
	inWindow := !now.Before(leaf.NotBefore) && !now.After(leaf.NotAfter)
	add("validity", inWindow, fmt.Sprintf("%s to %s, %d days to expiry", leaf.NotBefore.UTC().Format(time.DateOnly), leaf.NotAfter.UTC().Format(time.DateOnly), days))
	if inWindow && days < ExpiryWarningDays {
		warns = append(warns, fmt.Sprintf("validity: the certificate expires in %d days (%s)", days, leaf.NotAfter.UTC().Format(time.DateOnly)))
	}
	srv, cli := HasUsage(leaf, x509.ExtKeyUsageServerAuth), HasUsage(leaf, x509.ExtKeyUsageClientAuth)
	usage := fmt.Sprintf("EKU %s: as a server (the Edge calls it) %s, as a client (it calls the Edge) %s", EKUNames(leaf), okText(srv, "serverAuth"), okText(cli, "clientAuth"))
	add("usage", srv && cli, usage)
	sig := "signed with " + leaf.SignatureAlgorithm.String()
	sha1 := FirstSHA1(chain)
	if sha1 != nil {
		sig = fmt.Sprintf("%s is signed with %s, which the Edge refuses", sha1.Subject.CommonName, sha1.SignatureAlgorithm)
	}
	add("signature", sha1 == nil, sig)
	key, fragile := KeyDescription(leaf)
	add("key", true, key)
	if fragile {
		rules[len(rules)-1].Outcome = "warn"
		warns = append(warns, "key: "+key+": the Edge accepts it, but Expressway SIP TLS zones are documented to fail on 8192-bit keys")
	}
	cr := DescribeChain(chain)
	chainDetail := "as sent: " + cr.String()
	if anyUsage.Anchor != "" {
		chainDetail += "; reaches the trusted " + anyUsage.Anchor
	}
	add("chain", anyUsage.Fault != FaultIncompleteChain, chainDetail)
	if !cr.Complete && anyUsage.Anchor != "" {
		rules[len(rules)-1].Outcome = "warn"
		warns = append(warns, fmt.Sprintf("chain: it validates only thanks to the local store (%s); send the full chain, since a peer whose store lacks it refuses the certificate", anyUsage.Anchor))
	}
	return rules, warns
}

func okText(ok bool, usage string) string {
	if ok {
		return "ok"
	}
	return "FAILS: no " + usage
}

// WriteText writes the report for a terminal: the particulars, one line a rule, the warnings, then
// fixed last lines scripts and the training text can quote: "verdict: PASS", or "verdict: FAIL"
// followed by the ErrorType and HRESULT exactly as they appear in ms-diagnostics 1010; wire gives
// those two for the fault, from the Edge's catalogue.
func (i Inspection) WriteText(w io.Writer, wire func(Fault) (errorType, hresult string)) {
	p := func(label, format string, args ...any) {
		fmt.Fprintf(w, "%-13s "+format+"\n", append([]any{label + ":"}, args...)...)
	}
	if i.Result.Fault != FaultNoCertificate {
		p("subject", "%s", orNone(i.Subject))
		p("issuer", "%s", orNone(i.Issuer))
		p("not before", "%s", i.NotBefore.UTC().Format(time.RFC3339))
		p("not after", "%s", i.NotAfter.UTC().Format(time.RFC3339))
		if len(i.SANs) == 0 {
			p("SAN DNS", "(none: the CN is used)")
		} else {
			p("SAN DNS", "%s", strings.Join(i.SANs, ", "))
		}
		p("names used", "%s", orNone(strings.Join(i.Names, ", ")))
		p("presented as", "%s", orNone(i.Result.PresentedName))
	}
	p("expected", "%s", orNone(NormalizeFQDN(i.FQDN)))
	for _, r := range i.Rules {
		fmt.Fprintf(w, "rule %-10s %-4s  %s\n", r.Rule+":", r.Outcome, r.Detail)
	}
	for _, warn := range i.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	if i.Result.Fault == FaultNone {
		p("check", "name matches, chain trusted, within validity, both usages, no SHA-1")
		fmt.Fprintln(w, "verdict: PASS")
		return
	}
	p("check", "%s: %s", i.Result.Fault, i.Result.Detail)
	fmt.Fprintln(w, "verdict: FAIL")
	errorType, hresult := wire(i.Result.Fault)
	fmt.Fprintf(w, "ErrorType=\"%s\"\n", errorType)
	fmt.Fprintf(w, "HRESULT=\"%s\"\n", hresult)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
