package policy

import (
	"crypto/x509"
	"time"
)

// InboundFacts are the plain facts of a request a federated peer delivered (§2).
type InboundFacts struct {
	RequestURIUser string
	RequestURIHost string
	FromHost       string
	PAIHost        string              // P-Asserted-Identity host, "" when absent
	PeerChain      []*x509.Certificate // from the connection that delivered the request
	// SRV is the answer for the federation domain's SRV record; nil until looked up. A verdict
	// pending on NeedSRV names the domain to look up.
	SRV *SRVResult
	Now time.Time
}

// FederationDomain is the domain the Edge checks (§2 step 2): P-Asserted-Identity when present, else From.
func (f InboundFacts) FederationDomain() (domain, source string) {
	if f.PAIHost != "" {
		return Normalize(f.PAIHost), "P-Asserted-Identity"
	}
	return Normalize(f.FromHost), "From"
}

// DecideInbound is the Edge's whole decision about a request from a federated peer (§2 steps 2–8).
// The TLS handshake (step 1) has already happened; the chain it delivered is a fact.
func (p *Policy) DecideInbound(f InboundFacts) Verdict {
	// One allocation: a Rule is large, and growing the slice copies them.
	return p.decideInboundInto(f, make(trace, 0, 8))
}

// DecideInboundAgain is DecideInbound for facts completed as pending asked (the SRV answer),
// writing the new trace over the pending verdict's: the caller hands that verdict over and keeps
// nothing of it. A verdict's trace is a few kilobytes and this is the second of a request's two.
func (p *Policy) DecideInboundAgain(f InboundFacts, pending Verdict) Verdict {
	return p.decideInboundInto(f, pending.Trace[:0])
}

func (p *Policy) decideInboundInto(f InboundFacts, t trace) Verdict {
	v := p.decideInbound(f, t)
	v.Domain, _ = f.FederationDomain()
	return v
}

func (p *Policy) decideInbound(f InboundFacts, t trace) Verdict {
	d, source := f.FederationDomain()
	dr := Rule{Name: RuleFederationDomain, Section: "§2.2", Inputs: Inputs{Domain: d, DomainSource: source}}
	if d == "" {
		v := badRequest("no From domain")
		dr.Detail = "the request names no From domain"
		v.Trace = append(t, Rule{Name: dr.Name, Section: dr.Section, Outcome: Fail, Detail: dr.Detail, Inputs: dr.Inputs})
		return v
	}
	dr.Outcome, dr.Detail = Pass, d+" from "+source
	t.add(dr)
	rt, denied := p.listsRule(&t, d, inboundSections)
	if denied != nil {
		return *denied
	}
	var candidates []string
	if rt.proxyFQDN != "" {
		candidates = []string{rt.proxyFQDN}
	} else {
		if IsIPLiteral(d) {
			return t.refused(noSRV(d, "the domain is an IP address"), Rule{Name: RuleSRV, Section: "§2.4",
				Detail: "the domain is an IP address", Inputs: Inputs{Domain: d}})
		}
		if f.SRV == nil {
			return t.pending(Need{Fact: NeedSRV, Domain: d})
		}
		in, refused := srvRules(&t, d, *f.SRV, inboundSections)
		if refused != nil {
			return *refused
		}
		for _, tg := range in {
			candidates = append(candidates, Normalize(tg.Target))
		}
	}
	v, cr := p.CheckPeer(f.PeerChain, candidates, x509.ExtKeyUsageClientAuth, f.Now)
	cr.Section = "§2.6"
	if !v.Allow {
		v.Trace = append(t, cr)
		return v
	}
	t.add(cr)
	uri := "sip:" + f.RequestURIUser + "@" + f.RequestURIHost
	ur := Rule{Name: RuleServedUser, Section: "§2.7", Inputs: Inputs{RequestURI: uri}}
	if !p.serves(f.RequestURIUser, f.RequestURIHost) {
		ur.Detail = "the Edge does not serve " + uri
		return t.refused(userNotFound(uri), ur)
	}
	ur.Outcome, ur.Detail = Pass, uri+" is served here"
	t.add(ur)
	v.Trace = t
	return v
}
