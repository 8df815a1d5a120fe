package policy

import (
	"crypto/x509"
	"net"
	"strconv"
	"strings"
)

// Policy is the Edge's federation configuration in the form its decisions need.
// Its methods are pure: the same facts give the same Verdict.
type Policy struct {
	FQDN             string
	Domains          []string // SIP domains the Edge serves
	Users            []string // user@domain; empty means every user of a served domain exists
	Roots            *x509.CertPool
	TrustAnchors     []string // names of the roots in Roots, for the trace: a CertPool cannot list them
	PartnerDiscovery bool
	Allowed          map[string]string // domain → partner Edge FQDN[:port] ("" when discovered by SRV)
	Blocked          []string
	// Check is the certificate rule; nil means certs.Check. The Edge plugs in a memo of it.
	Check CertChecker
	// Explain remembers the certificate rule's trace entry; nil builds it every time.
	Explain Explainer
}

// sections name where docs/edge-behaviour.md describes the rules both directions share.
type sections struct{ lists, srv, inDomain string }

var (
	inboundSections  = sections{lists: "§2.3", srv: "§2.4", inDomain: "§2.5"}
	outboundSections = sections{lists: "§3", srv: "§3.1", inDomain: "§3.2"}
)

// route is what the federation lists say about a domain before any DNS (§2 step 3).
type route struct {
	denied    *Verdict
	proxyFQDN string // allowed partner with an explicit Edge FQDN: no SRV lookup
	proxyPort uint16 // the port to reach it on outbound: 5061 unless the entry names one
}

func (p *Policy) route(d string) route {
	for _, b := range p.Blocked {
		if Normalize(b) == d {
			v := federationDenied(d, true)
			return route{denied: &v}
		}
	}
	for a, proxy := range p.Allowed {
		if Normalize(a) == d {
			host, port := splitProxy(proxy) // "" when the partner is discovered by SRV
			return route{proxyFQDN: host, proxyPort: port}
		}
	}
	if !p.PartnerDiscovery {
		v := federationDenied(d, false)
		return route{denied: &v}
	}
	return route{}
}

// listsRule applies route to the trace: a refusal, or the rule passed and the route to follow.
func (p *Policy) listsRule(t *trace, d string, sec sections) (route, *Verdict) {
	rt := p.route(d)
	r := Rule{Name: RuleFederationLists, Section: sec.lists, Inputs: Inputs{Domain: d, ProxyFQDN: rt.proxyFQDN}}
	switch {
	case rt.denied != nil:
		r.Detail = rt.denied.Record.Text
		v := t.refused(*rt.denied, r)
		return rt, &v
	case rt.proxyFQDN != "":
		r.Outcome, r.Detail = Pass, d+" is an allowed partner whose Edge is "+rt.proxyFQDN+": no SRV lookup"
	default:
		r.Outcome, r.Detail = Pass, "partner discovery is on and "+d+" is not blocked"
		if !p.PartnerDiscovery {
			r.Detail = d + " is on the allowed list"
		}
	}
	t.add(r)
	return rt, nil
}

// srvRules apply the DNS rule (§1) to a domain's SRV answer: the in-domain targets, or the refusal.
func srvRules(t *trace, d string, srv SRVResult, sec sections) ([]SRVTarget, *Verdict) {
	r := Rule{Name: RuleSRV, Section: sec.srv, Inputs: Inputs{Domain: d, SRVName: FederationSRVName(d), SRV: srv.Targets, Error: srv.Error}}
	if srv.Error != "" || len(srv.Targets) == 0 {
		cause := srv.Error
		if cause == "" {
			cause = "no SRV records"
		}
		r.Detail = cause
		v := t.refused(noSRV(d, cause), r)
		return nil, &v
	}
	r.Outcome, r.Detail = Pass, strconv.Itoa(len(srv.Targets))+" record(s)"
	t.add(r)
	in := inDomainTargets(d, srv.Targets)
	r = Rule{Name: RuleInDomain, Section: sec.inDomain, Inputs: Inputs{Domain: d, SRV: srv.Targets}}
	if len(in) == 0 {
		r.Detail = "no SRV target lies directly in " + d
		v := t.refused(noSRVMatch(d, srv.Targets), r)
		return nil, &v
	}
	r.Outcome, r.Detail = Pass, in[0].Target+" lies directly in "+d
	t.add(r)
	return in, nil
}

// serves is §2 step 7: the Request-URI must be a served domain and, when users are listed, a known user.
func (p *Policy) serves(user, host string) bool {
	h := Normalize(host)
	served := false
	for _, d := range p.Domains {
		if Normalize(d) == h {
			served = true
			break
		}
	}
	if !served {
		return false
	}
	if len(p.Users) == 0 {
		return true
	}
	want := strings.ToLower(user) + "@" + h
	for _, u := range p.Users {
		if strings.ToLower(strings.TrimPrefix(u, "sip:")) == want {
			return true
		}
	}
	return false
}

// splitProxy reads a proxy_fqdn entry, "edge.example.com" or "edge.example.com:5062".
func splitProxy(s string) (string, uint16) {
	if host, port, err := net.SplitHostPort(s); err == nil {
		if n, err := strconv.ParseUint(port, 10, 16); err == nil && n > 0 {
			return Normalize(host), uint16(n)
		}
	}
	return Normalize(s), 5061
}
