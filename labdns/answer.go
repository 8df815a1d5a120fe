package labdns

import (
	"github.com/miekg/dns"
)

// maxCNAMEHops bounds CNAME chasing so a loop in a lab zone costs a SERVFAIL,
// not a hung server.
const maxCNAMEHops = 8

// Answer is the authoritative answer of the zone set to q, the same for the
// wire server and the embedded resolver. The message has no ID and no EDNS;
// its records are copies the caller may change.
//
//   - the most specific zone containing the name answers;
//   - a name outside every zone, or a class other than IN, is REFUSED;
//   - a missing name is NXDOMAIN, an existing name (or empty non-terminal)
//     without the type is NODATA; both carry the SOA in the authority section;
//   - CNAMEs are followed through all served zones; a chain longer than
//     maxCNAMEHops (a loop) is SERVFAIL;
//   - A/AAAA of SRV targets in served zones go in the additional section.
func (z *ZoneSet) Answer(q dns.Question) *dns.Msg {
	m := &dns.Msg{Question: []dns.Question{q}}
	m.Response = true
	name := dns.CanonicalName(q.Name)
	zn := z.zoneFor(name)
	if zn == nil || (q.Qclass != dns.ClassINET && q.Qclass != dns.ClassANY) {
		m.Rcode = dns.RcodeRefused
		return m
	}
	m.Authoritative = true
	for hops := 0; ; hops++ {
		n, ok := zn.nodes[name]
		if !ok {
			m.Rcode = dns.RcodeNameError
			m.Ns = []dns.RR{dns.Copy(zn.negSOA)}
			return m
		}
		if rrs := n.lookup(q.Qtype); len(rrs) > 0 {
			m.Answer = appendCopies(m.Answer, rrs)
			if q.Qtype == dns.TypeSRV {
				m.Extra = z.srvTargetAddrs(rrs)
			}
			return m
		}
		cname := n.rrsets[dns.TypeCNAME]
		if len(cname) == 0 || q.Qtype == dns.TypeCNAME || q.Qtype == dns.TypeANY {
			m.Ns = []dns.RR{dns.Copy(zn.negSOA)}
			return m
		}
		if hops == maxCNAMEHops {
			return &dns.Msg{MsgHdr: dns.MsgHdr{Response: true, Rcode: dns.RcodeServerFailure}, Question: m.Question}
		}
		m.Answer = append(m.Answer, dns.Copy(cname[0]))
		name = dns.CanonicalName(cname[0].(*dns.CNAME).Target)
		if zn = z.zoneFor(name); zn == nil {
			// The target is not ours: the CNAME is the whole answer and the
			// client resolves the rest elsewhere (RFC 1034 §4.3.2 step 3a).
			return m
		}
	}
}

// zoneFor returns the most specific zone containing name (lower-case FQDN).
func (z *ZoneSet) zoneFor(name string) *zone {
	if z == nil {
		return nil
	}
	for off, end := 0, false; !end; off, end = dns.NextLabel(name, off) {
		if zn, ok := z.byName[name[off:]]; ok {
			return zn
		}
	}
	return nil
}

func (n *node) lookup(qtype uint16) []dns.RR {
	if qtype != dns.TypeANY {
		return n.rrsets[qtype]
	}
	var all []dns.RR
	for _, t := range n.order {
		all = append(all, n.rrsets[t]...)
	}
	return all
}

func (z *ZoneSet) srvTargetAddrs(srvs []dns.RR) []dns.RR {
	var extra []dns.RR
	seen := make(map[string]bool, len(srvs))
	for _, rr := range srvs {
		srv, ok := rr.(*dns.SRV)
		if !ok {
			continue
		}
		target := dns.CanonicalName(srv.Target)
		if seen[target] {
			continue
		}
		seen[target] = true
		zn := z.zoneFor(target)
		if zn == nil {
			continue
		}
		if n, ok := zn.nodes[target]; ok {
			extra = appendCopies(extra, n.rrsets[dns.TypeA])
			extra = appendCopies(extra, n.rrsets[dns.TypeAAAA])
		}
	}
	return extra
}

func appendCopies(dst, rrs []dns.RR) []dns.RR {
	for _, rr := range rrs {
		dst = append(dst, dns.Copy(rr))
	}
	return dst
}
