package labdns

import (
	"context"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// msgBackend resolves by reading DNS messages, whether they come from the
// in-process ZoneSet or from a server over the wire, so both read answers
// with the same code and cannot drift apart.
type msgBackend struct {
	exchange func(ctx context.Context, q dns.Question) (*dns.Msg, error)
	server   string // "host:port" asked; "" for the in-process zones
}

func (b msgBackend) lookupSRV(ctx context.Context, name string) result {
	rrs, ttl, err := b.query(ctx, name, dns.TypeSRV, typeSRV)
	if err != nil {
		return result{err: err, ttl: ttl}
	}
	srvs := make([]SRV, 0, len(rrs))
	for _, rr := range rrs {
		s := rr.(*dns.SRV)
		srvs = append(srvs, SRV{
			Target:   normalise(s.Target),
			Port:     s.Port,
			Priority: s.Priority,
			Weight:   s.Weight,
			TTL:      s.Hdr.Ttl,
		})
	}
	return srvResult(name, srvs, ttl)
}

func (b msgBackend) lookupHost(ctx context.Context, host string) result {
	a := b.addrs(ctx, host, dns.TypeA)
	if a.err != nil && (a.err.Kind == KindNXDomain || a.err.Kind.transient()) {
		// NXDOMAIN holds for every type (RFC 8020), and after a timeout or a
		// network failure asking for AAAA would only fail the same way.
		return a
	}
	return combineHost(host, a, b.addrs(ctx, host, dns.TypeAAAA))
}

func (b msgBackend) addrs(ctx context.Context, host string, qtype uint16) result {
	rrs, ttl, err := b.query(ctx, host, qtype, typeHost)
	if err != nil {
		return result{err: err, ttl: ttl}
	}
	out := result{ttl: ttl}
	for _, rr := range rrs {
		var ip netip.Addr
		switch rr := rr.(type) {
		case *dns.A:
			ip, _ = netip.AddrFromSlice(rr.A.To4())
		case *dns.AAAA:
			ip, _ = netip.AddrFromSlice(rr.AAAA.To16())
		}
		if ip.IsValid() {
			out.addrs = append(out.addrs, ip)
		}
	}
	return out
}

// query asks for name/qtype and returns the records of qtype at the end of
// the CNAME chain in the answer, with the TTL the outcome may be cached for.
func (b msgBackend) query(ctx context.Context, name string, qtype uint16, typ string) ([]dns.RR, time.Duration, *LookupError) {
	qname := dns.Fqdn(name)
	m, err := b.exchange(ctx, dns.Question{Name: qname, Qtype: qtype, Qclass: dns.ClassINET})
	if err != nil {
		return nil, 0, transportError(name, typ, err)
	}
	switch m.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return nil, negativeTTL(m), &LookupError{Name: name, Type: typ, Kind: KindNXDomain}
	default:
		return nil, servFailTTL, &LookupError{Name: name, Type: typ, Kind: KindServFail, Err: RcodeError{Rcode: m.Rcode}}
	}

	var ttl uint32 = ^uint32(0)
	owner := qname
	for range maxCNAMEHops + 1 {
		var found []dns.RR
		var next string
		for _, rr := range m.Answer {
			h := rr.Header()
			if !strings.EqualFold(h.Name, owner) {
				continue
			}
			switch {
			case h.Rrtype == qtype:
				found = append(found, rr)
			case h.Rrtype == dns.TypeCNAME && next == "":
				next = rr.(*dns.CNAME).Target
				ttl = min(ttl, h.Ttl)
			}
		}
		if len(found) > 0 {
			for _, rr := range found {
				ttl = min(ttl, rr.Header().Ttl)
			}
			return found, time.Duration(ttl) * time.Second, nil
		}
		if next == "" {
			break
		}
		owner = next
	}
	return nil, negativeTTL(m), &LookupError{Name: name, Type: typ, Kind: KindNoRecords}
}

// negativeTTL is how long a negative answer may be cached: the SOA's
// minimum or TTL, whichever is lower (RFC 2308 §5), capped; without an SOA
// it must not be cached at all.
func negativeTTL(m *dns.Msg) time.Duration {
	for _, rr := range m.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			return min(time.Duration(min(soa.Hdr.Ttl, soa.Minttl))*time.Second, maxNegativeTTL)
		}
	}
	return 0
}
