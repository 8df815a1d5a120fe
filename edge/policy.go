package edge

import (
	"crypto/x509"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/edgesim/edgesim/certs"
)

// Policy is the Edge's federation configuration in the form its decisions need.
// All methods are pure: the same inputs give the same Verdict.
type Policy struct {
	FQDN             string
	Domains          []string // SIP domains the Edge serves
	Users            []string // user@domain; empty means every user of a served domain exists
	Roots            *x509.CertPool
	PartnerDiscovery bool
	Allowed          map[string]string // domain → partner Edge FQDN[:port] ("" when discovered by SRV)
	Blocked          []string
	// Check is the certificate rule; nil means certs.Check. The Service plugs in a memo of it.
	Check CertChecker
}

// InboundRequest is the plain facts of a request a federated peer delivered.
type InboundRequest struct {
	RequestURIUser string
	RequestURIHost string
	FromHost       string
	PAIHost        string              // P-Asserted-Identity host, "" when absent
	PeerChain      []*x509.Certificate // from the connection that delivered the request
}

// FederationDomain is the domain the Edge checks: P-Asserted-Identity when present, else From.
func FederationDomain(r InboundRequest) string {
	if r.PAIHost != "" {
		return normalize(r.PAIHost)
	}
	return normalize(r.FromHost)
}

// Route is what the federation lists say about a domain before any DNS.
type Route struct {
	Denied    *Verdict // blocked, or not allowed with discovery off
	ProxyFQDN string   // allowed partner with an explicit Edge FQDN: no SRV lookup
	ProxyPort uint16   // the port to reach it on outbound: 5061 unless the entry names one
}

// NeedsSRV reports whether deciding about the domain needs its SRV records.
func (rt Route) NeedsSRV() bool { return rt.Denied == nil && rt.ProxyFQDN == "" }

// Route applies the blocked and allowed lists to a domain.
func (p *Policy) Route(domain string) Route {
	d := normalize(domain)
	for _, b := range p.Blocked {
		if normalize(b) == d {
			v := FederationDenied(d, true)
			return Route{Denied: &v}
		}
	}
	for a, proxy := range p.Allowed {
		if normalize(a) == d {
			host, port := splitProxy(proxy)
			return Route{ProxyFQDN: host, ProxyPort: port}
		}
	}
	if !p.PartnerDiscovery {
		v := FederationDenied(d, false)
		return Route{Denied: &v}
	}
	return Route{}
}

// DecideInbound is the Edge's whole decision about a request from a federated peer (spec §2),
// given what the resolver answered for the domain's SRV record.
func (p *Policy) DecideInbound(r InboundRequest, srv SRVResult, now time.Time) Verdict {
	d := FederationDomain(r)
	if d == "" {
		return badRequest("no From domain")
	}
	rt := p.Route(d)
	if rt.Denied != nil {
		return *rt.Denied
	}
	var candidates []string
	if rt.ProxyFQDN != "" {
		candidates = []string{rt.ProxyFQDN}
	} else {
		if IsIPLiteral(d) {
			return NoSRV(d, "the domain is an IP address")
		}
		if srv.Err != nil || len(srv.Targets) == 0 {
			return NoSRV(d, errText(srv.Err, "no SRV records"))
		}
		in := inDomainTargets(d, srv.Targets)
		if len(in) == 0 {
			return NoSRVMatch(d, srv.Targets)
		}
		for _, t := range in {
			candidates = append(candidates, normalize(t.Target))
		}
	}
	v, _ := p.CheckPeer(r.PeerChain, candidates, x509.ExtKeyUsageClientAuth, now)
	if !v.Allow {
		return v
	}
	if !p.serves(r.RequestURIUser, r.RequestURIHost) {
		return UserNotFound("sip:" + r.RequestURIUser + "@" + r.RequestURIHost)
	}
	return v
}

// CheckPeer holds a presented chain to the first candidate name it satisfies (Verdict.MatchedFQDN);
// on failure the verdict names the first (most preferred) candidate, as the Edge's tls-target does,
// and the rule's own result says why in detail.
func (p *Policy) CheckPeer(chain []*x509.Certificate, candidates []string, usage x509.ExtKeyUsage, now time.Time) (Verdict, certs.CheckResult) {
	var first certs.CheckResult
	for i, name := range candidates {
		res := p.check(certs.CheckInput{Chain: chain, FQDN: name, Roots: p.Roots, Now: now, Usage: usage})
		if res.Fault == certs.FaultNone {
			return allow(name), res
		}
		if i == 0 {
			first = res
		}
		if res.Fault != certs.FaultWrongPrincipal {
			break // trust and validity do not depend on the name
		}
	}
	return CertTrust(first.Fault, candidates[0], presented(chain)), first
}

func (p *Policy) check(in certs.CheckInput) certs.CheckResult {
	if p.Check != nil {
		return p.Check(in)
	}
	return certs.Check(in)
}

func presented(chain []*x509.Certificate) string {
	if len(chain) == 0 {
		return ""
	}
	return certs.PresentedName(chain[0])
}

// serves is step 7: the Request-URI must be a served domain and, when users are listed, a known user.
func (p *Policy) serves(user, host string) bool {
	h := normalize(host)
	served := false
	for _, d := range p.Domains {
		if normalize(d) == h {
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

// OutboundTargets applies the DNS rule to a callee domain (spec §3 steps 1–2): the in-domain targets in
// the order they are tried, or the refusal.
func (p *Policy) OutboundTargets(domain string, srv SRVResult) ([]SRVTarget, *Verdict) {
	d := normalize(domain)
	rt := p.Route(d)
	if rt.Denied != nil {
		return nil, rt.Denied
	}
	if rt.ProxyFQDN != "" {
		return []SRVTarget{{Target: rt.ProxyFQDN, Port: rt.ProxyPort}}, nil
	}
	if srv.Err != nil || len(srv.Targets) == 0 {
		v := NoSRV(d, errText(srv.Err, "no SRV records"))
		return nil, &v
	}
	in := inDomainTargets(d, srv.Targets)
	if len(in) == 0 {
		v := NoSRVMatch(d, srv.Targets)
		return nil, &v
	}
	return in, nil
}

// splitProxy reads a proxy_fqdn entry, "edge.example.com" or "edge.example.com:5062".
func splitProxy(s string) (string, uint16) {
	if host, port, err := net.SplitHostPort(s); err == nil {
		if n, err := strconv.ParseUint(port, 10, 16); err == nil && n > 0 {
			return normalize(host), uint16(n)
		}
	}
	return normalize(s), 5061
}

func errText(err error, fallback string) string {
	if err == nil {
		return fallback
	}
	return err.Error()
}
