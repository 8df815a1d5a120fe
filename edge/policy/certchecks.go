package policy

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/edgesim/edgesim/certs"
)

// certChecks judges each part of the certificate rule on its own, for the trace (§8): a check the
// rule never reached because an earlier one failed is judged anyway where it can be.
func (p *Policy) certChecks(chain []*x509.Certificate, want string, usage x509.ExtKeyUsage, now time.Time, res certs.CheckResult) []Check {
	leaf := chain[0]
	names := strings.Join(certs.CertificateNames(leaf), ", ")
	name := Check{Name: "name", Outcome: Pass, Detail: fmt.Sprintf("%s is among %s", want, names)}
	if !certs.MatchesFQDN(leaf, want) {
		name = Check{Name: "name", Outcome: Fail, Detail: fmt.Sprintf("%s is not among %s", want, names)}
	}
	trustRes := res
	if res.Fault == certs.FaultWrongUsage {
		// Usage comes before trust in the rule; judge the chain without it.
		trustRes = p.check(certs.CheckInput{Chain: chain, FQDN: want, Roots: p.Roots, Now: now, Usage: x509.ExtKeyUsageAny})
	}
	trust := Check{Name: "trust", Outcome: Pass, Detail: "issued by " + leaf.Issuer.CommonName}
	switch trustRes.Fault {
	case certs.FaultUntrustedRoot, certs.FaultIncompleteChain:
		trust = Check{Name: "trust", Outcome: Fail, Detail: trustRes.Detail}
	case certs.FaultWeakSignature:
		trust = Check{Name: "trust", Outcome: Skip, Detail: "not judged: Go no longer verifies SHA-1 signatures, and the signature check refuses the chain"}
	}
	window := fmt.Sprintf("valid %s to %s", leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339))
	validity := Check{Name: "validity", Outcome: Pass, Detail: window}
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		validity.Outcome = Fail
	}
	eku := Check{Name: "usage", Outcome: Pass, Detail: fmt.Sprintf("the certificate allows %s (EKU: %s)", usageName(usage), certs.EKUNames(leaf))}
	if !certs.HasUsage(leaf, usage) {
		eku = Check{Name: "usage", Outcome: Fail, Detail: fmt.Sprintf("the certificate's extended key usage (%s) lacks %s", certs.EKUNames(leaf), usageName(usage))}
	}
	sig := Check{Name: "signature", Outcome: Pass, Detail: "signed with " + leaf.SignatureAlgorithm.String()}
	if c := certs.FirstSHA1(chain); c != nil {
		sig = Check{Name: "signature", Outcome: Fail, Detail: fmt.Sprintf("%s is signed with %s", c.Subject.CommonName, c.SignatureAlgorithm)}
	}
	desc, fragile := certs.KeyDescription(leaf)
	key := Check{Name: "key", Outcome: Pass, Detail: desc}
	if fragile {
		key.Detail += ": the Edge accepts it, but Expressway SIP TLS zones are documented to fail on 8192-bit keys"
	}
	cr := certs.DescribeChain(chain)
	chainCheck := Check{Name: "chain", Outcome: Pass, Detail: "as sent: " + cr.String()}
	switch {
	case trustRes.Fault == certs.FaultIncompleteChain:
		chainCheck.Outcome = Fail
	case !cr.Complete && trustRes.Anchor != "":
		chainCheck.Detail += "; it verifies only because the Edge's store holds " + trustRes.Anchor
	}
	return []Check{name, trust, validity, eku, sig, key, chainCheck}
}
