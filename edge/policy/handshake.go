package policy

import (
	"crypto/x509"
	"time"

	"github.com/edgesim/edgesim/certs"
)

// DecideHandshake is the part of the certificate rule the Edge applies inside the TLS handshake
// inbound, before any SIP (§2 step 1, §7): a client certificate whose extended key usage lacks
// clientAuth is refused there with the row's alert, as Schannel refuses a certificate not valid for
// the requested usage [choice: which checks belong to the handshake is not documented; this one is,
// per the issue, and the rest stay SIP-level so that they keep their 504 and ms-diagnostics].
// No certificate is the TLS stack's own business (edge.require_client_cert). Allowed verdicts carry
// no trace: the request's own verdict follows. A refusal's record has no SIP lines, and its Data has
// no expected-fqdn: the Edge does not yet know the federation domain.
func (p *Policy) DecideHandshake(chain []*x509.Certificate, now time.Time) Verdict {
	if len(chain) == 0 || chain[0] == nil || certs.HasUsage(chain[0], x509.ExtKeyUsageClientAuth) {
		return Verdict{Allow: true}
	}
	leaf := chain[0]
	row := mustRow("1010-wrong-usage")
	peer := certs.PresentedName(leaf)
	v := row.refuse(values{m: map[string]string{"certName": peer, "required-usage": usageName(x509.ExtKeyUsageClientAuth), "info": row.ErrorType}})
	v.Status, v.Reason, v.Diagnostic, v.PeerServer = 0, "", nil, peer
	at := now
	r := Rule{Name: RuleTLS, Section: "§7", Outcome: Fail, Row: row.ID,
		Detail: row.ErrorType + ": the client certificate's extended key usage (" + certs.EKUNames(leaf) +
			") lacks clientAuth; the handshake ends with " + row.Alert + ", no SIP answer",
		Inputs: Inputs{Usage: usageName(x509.ExtKeyUsageClientAuth), TrustAnchors: p.TrustAnchors, CheckedAt: &at,
			Certificate: certFacts(chain, "")}}
	r.Checks = []Check{{Name: "usage", Outcome: Fail, Detail: "the certificate's extended key usage (" + certs.EKUNames(leaf) + ") lacks clientAuth"}}
	v.Trace = []Rule{r}
	return v
}
