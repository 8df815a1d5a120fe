package edge

import (
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/edge/policy"
)

// seedVerdict is the pure policy's verdict on the seed's facts: a request from domain whose SRV record
// names target, over a connection whose certificate is a lab leaf for certCN.
func seedVerdict(t testing.TB, domain, target, certCN string) policy.Verdict {
	t.Helper()
	p := newTestPKI(t)
	pol := &policy.Policy{FQDN: "sip.skype.lab", Domains: []string{"skype.lab"}, Roots: p.LabRoots, PartnerDiscovery: true}
	v := pol.DecideInbound(policy.InboundFacts{RequestURIUser: "stejanss", RequestURIHost: "skype.lab", FromHost: domain,
		PeerChain: p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: certCN}),
		SRV:       &policy.SRVResult{Targets: []policy.SRVTarget{{Target: target, Port: 5061}}}, Now: time.Now()})
	if v.Allow || v.Record == nil {
		t.Fatalf("the seed's facts were allowed: %+v", v)
	}
	return v
}
