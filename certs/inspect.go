package certs

import (
	"crypto/x509"
	"fmt"
	"io"
	"strings"
	"time"
)

// Inspection is `edgesim certs inspect`: a certificate's particulars next to
// the Edge's verdict on it, so the trainee sees the cause and the evidence
// together.
type Inspection struct {
	Subject, Issuer     string
	SANs                []string
	NotBefore, NotAfter time.Time
	Names               []string // what the rule matches against
	Result              CheckResult
	FQDN                string
}

// Inspect runs the Edge's rule as either direction would. A certificate is
// accepted for serverAuth or clientAuth, whichever it has: inspect cannot
// know which way it will be used. ExtKeyUsageAny would be shorter but would
// also pass certificates (code signing, say) that neither direction takes.
func Inspect(chain []*x509.Certificate, fqdn string, roots *x509.CertPool, now time.Time) Inspection {
	in := CheckInput{Chain: chain, FQDN: fqdn, Roots: roots, Now: now, Usage: x509.ExtKeyUsageServerAuth}
	res := Check(in)
	if res.Fault == FaultWrongUsage || res.Fault == FaultUntrustedRoot {
		in.Usage = x509.ExtKeyUsageClientAuth
		if alt := Check(in); alt.Fault != FaultWrongUsage && alt.Fault != FaultUntrustedRoot {
			res = alt
		}
	}
	ins := Inspection{Result: res, FQDN: fqdn}
	if len(chain) > 0 && chain[0] != nil {
		leaf := chain[0]
		ins.Subject = leaf.Subject.String()
		ins.Issuer = leaf.Issuer.String()
		ins.SANs = append([]string(nil), leaf.DNSNames...)
		ins.NotBefore, ins.NotAfter = leaf.NotBefore, leaf.NotAfter
		ins.Names = CertificateNames(leaf)
	}
	return ins
}

// WriteText writes the report for a terminal. The last lines are fixed so
// scripts and the training text can quote them: "verdict: PASS", or
// "verdict: FAIL" followed by the ErrorType and HRESULT exactly as they
// appear in ms-diagnostics 1010; wire gives those two for the fault, from
// the Edge's catalogue.
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
	if i.Result.Fault == FaultNone {
		p("check", "name matches, chain trusted, within validity")
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
