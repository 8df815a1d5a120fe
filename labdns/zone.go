package labdns

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

const (
	defaultTTL = 300
	// synthSOAMinTTL is the negative-caching TTL of a synthesised SOA: short,
	// because lab zones are edited while someone waits for the fix to show.
	synthSOAMinTTL = 60
)

// ZoneSet is the set of lab zones. It is immutable after ParseZones and safe
// for concurrent use.
type ZoneSet struct {
	zones  []*zone          // sorted by domain
	byName map[string]*zone // key: lower-case origin with trailing dot
}

type zone struct {
	domain string // as returned by Domains: lower-case, no trailing dot
	origin string // lower-case FQDN
	// nodes holds every owner name and every empty non-terminal between an
	// owner and the origin (with no records), so a missing key is NXDOMAIN.
	nodes  map[string]*node
	negSOA dns.RR // the SOA for negative answers, TTL per RFC 2308 §3
}

type node struct {
	rrsets map[uint16][]dns.RR
	order  []uint16 // types in first-seen order, for stable ANY answers
}

// ParseZones parses every zone of the map. A value is a path when it holds no
// newline and names an existing file; otherwise it is the zone text itself.
func ParseZones(zones map[string]string) (*ZoneSet, error) {
	zs := &ZoneSet{byName: make(map[string]*zone, len(zones))}
	keys := make([]string, 0, len(zones))
	for k := range zones {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic: the same bad config reports the same error
	for _, key := range keys {
		z, err := parseZone(key, zones[key])
		if err != nil {
			return nil, err
		}
		if _, dup := zs.byName[z.origin]; dup {
			return nil, &ZoneError{Zone: key, Err: fmt.Errorf("domain %s is given more than once", z.domain)}
		}
		zs.byName[z.origin] = z
		zs.zones = append(zs.zones, z)
	}
	slices.SortFunc(zs.zones, func(a, b *zone) int { return strings.Compare(a.domain, b.domain) })
	return zs, nil
}

func parseZone(key, value string) (*zone, error) {
	origin := dns.CanonicalName(strings.TrimSpace(key))
	if _, ok := dns.IsDomainName(origin); !ok || origin == "." {
		return nil, &ZoneError{Zone: key, Err: errors.New("not a valid domain name")}
	}
	text, file := value, ""
	// A value that looks like a path but names no file is still parsed as
	// text; its syntax error then gets a hint, since a typo in the path is the
	// likelier mistake.
	var pathHint bool
	if path := strings.TrimSpace(value); path != "" && !strings.Contains(value, "\n") {
		fi, err := os.Stat(path)
		pathHint = err != nil && strings.ContainsAny(path, `/\`)
		if err == nil && fi.Mode().IsRegular() {
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, &ZoneError{Zone: key, File: path, Err: err}
			}
			text, file = string(b), path
		}
	}
	z := &zone{
		domain: strings.TrimSuffix(origin, "."),
		origin: origin,
		nodes:  map[string]*node{origin: {}},
	}
	zerr := func(line int, err error) *ZoneError {
		return &ZoneError{Zone: key, File: file, Line: line, Text: lineText(text, line), Err: err}
	}

	zp := dns.NewZoneParser(strings.NewReader(text), origin, "")
	zp.SetDefaultTTL(defaultTTL)
	var soa *dns.SOA
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		h := rr.Header()
		h.Name = dns.CanonicalName(h.Name)
		owner := h.Name
		if !dns.IsSubDomain(origin, owner) {
			return nil, zerr(findLine(text, origin, owner, h.Rrtype),
				fmt.Errorf("%s is outside the zone %s", owner, origin))
		}
		if h.Class != dns.ClassINET {
			return nil, zerr(findLine(text, origin, owner, h.Rrtype),
				fmt.Errorf("class %s is not served; only IN", dns.ClassToString[h.Class]))
		}
		if s, isSOA := rr.(*dns.SOA); isSOA {
			if owner != origin {
				return nil, zerr(findLine(text, origin, owner, h.Rrtype), fmt.Errorf("SOA of %s is not at the zone apex", owner))
			}
			if soa != nil {
				return nil, zerr(findLine(text, origin, owner, h.Rrtype), errors.New("more than one SOA"))
			}
			soa = s
		}
		if err := z.add(rr); err != nil {
			return nil, zerr(findLine(text, origin, owner, h.Rrtype), err)
		}
	}
	if err := zp.Err(); err != nil {
		line, reason := parseErrorPosition(text, err)
		if pathHint {
			reason = fmt.Errorf("%w (read as zone text: there is no file of that name)", reason)
		}
		return nil, zerr(line, reason)
	}
	if _, apexCNAME := z.nodes[origin].rrsets[dns.TypeCNAME]; apexCNAME {
		return nil, zerr(findLine(text, origin, origin, dns.TypeCNAME),
			fmt.Errorf("CNAME at the zone apex %s, where SOA and NS must be (RFC 1034 §3.6.2)", origin))
	}
	if soa == nil {
		soa = &dns.SOA{
			Hdr:     dns.RR_Header{Name: origin, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: defaultTTL},
			Ns:      "ns1." + origin,
			Mbox:    "hostmaster." + origin,
			Serial:  1,
			Refresh: 3600,
			Retry:   600,
			Expire:  86400,
			Minttl:  synthSOAMinTTL,
		}
		_ = z.add(soa) // cannot fail: the apex has no CNAME
	}
	if len(z.nodes[origin].rrsets[dns.TypeNS]) == 0 {
		_ = z.add(&dns.NS{
			Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: defaultTTL},
			Ns:  "ns1." + origin,
		})
	}
	neg := dns.Copy(soa).(*dns.SOA)
	neg.Hdr.Ttl = min(soa.Hdr.Ttl, soa.Minttl)
	z.negSOA = neg
	return z, nil
}

// add stores rr and creates the empty non-terminals above it.
func (z *zone) add(rr dns.RR) error {
	h := rr.Header()
	n := z.nodes[h.Name]
	if n == nil {
		n = &node{}
		z.nodes[h.Name] = n
	}
	if n.rrsets == nil {
		n.rrsets = make(map[uint16][]dns.RR)
	}
	set, seen := n.rrsets[h.Rrtype]
	for _, old := range set {
		if dns.IsDuplicate(old, rr) {
			return nil // an RRset is a set; repeating a record is harmless
		}
	}
	_, hasCNAME := n.rrsets[dns.TypeCNAME]
	switch {
	case h.Rrtype == dns.TypeCNAME && hasCNAME:
		return fmt.Errorf("more than one CNAME at %s", h.Name)
	case h.Rrtype == dns.TypeCNAME && len(n.rrsets) > 0:
		return fmt.Errorf("CNAME at %s next to other records (RFC 1034 §3.6.2)", h.Name)
	case hasCNAME:
		return fmt.Errorf("%s record at %s next to its CNAME (RFC 1034 §3.6.2)", dns.TypeToString[h.Rrtype], h.Name)
	}
	if !seen {
		n.order = append(n.order, h.Rrtype)
	}
	n.rrsets[h.Rrtype] = append(set, rr)

	for name := h.Name; name != z.origin; {
		off, end := dns.NextLabel(name, 0)
		if end {
			break
		}
		name = name[off:]
		if _, ok := z.nodes[name]; ok {
			break
		}
		z.nodes[name] = &node{}
	}
	return nil
}

var parseErrorAt = regexp.MustCompile(` at line: (\d+):(\d+)$`)

// parseErrorPosition turns miekg's "dns: reason: "token" at line: L:C" into
// the line of the zone text that holds the mistake and the bare reason.
func parseErrorPosition(text string, err error) (int, error) {
	msg := err.Error()
	m := parseErrorAt.FindStringSubmatchIndex(msg)
	if m == nil {
		return 0, err
	}
	line, _ := strconv.Atoi(msg[m[2]:m[3]])
	col, _ := strconv.Atoi(msg[m[4]:m[5]])
	// A record cut short is reported at the newline token that ended it,
	// which the lexer already counts as the next line (column 0).
	if col == 0 && line > 1 {
		line--
	}
	lines := strings.Split(text, "\n")
	for line > 1 && line <= len(lines) && isBlankOrComment(lines[line-1]) {
		line--
	}
	reason := strings.TrimPrefix(msg[:m[0]], "dns: ")
	return line, &parseError{reason: reason, err: err}
}

// parseError keeps miekg's *dns.ParseError reachable with errors.As while
// printing only the reason: ZoneError already says where.
type parseError struct {
	reason string
	err    error
}

func (e *parseError) Error() string { return e.reason }
func (e *parseError) Unwrap() error { return e.err }

func isBlankOrComment(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || strings.HasPrefix(s, ";")
}

func lineText(text string, line int) string {
	if line <= 0 {
		return ""
	}
	lines := strings.Split(text, "\n")
	if line > len(lines) {
		return ""
	}
	return strings.TrimSpace(lines[line-1])
}

// findLine locates the record of owner and type for errors found after
// parsing, which miekg does not give a position for. It follows the
// master-file rules only as far as needed: a line starting with blank space
// repeats the previous owner, "@" is the origin, names without a dot are
// relative. Records spread over parentheses are found by their first line.
func findLine(text, origin, owner string, rrtype uint16) int {
	typ := dns.TypeToString[rrtype]
	last := origin
	for i, l := range strings.Split(text, "\n") {
		if c := strings.IndexByte(l, ';'); c >= 0 {
			l = l[:c]
		}
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "$") {
			continue
		}
		fields := strings.Fields(l)
		if l[0] != ' ' && l[0] != '\t' {
			last = absName(fields[0], origin)
			fields = fields[1:]
		}
		if last != owner {
			continue
		}
		for _, f := range fields {
			if strings.EqualFold(f, typ) {
				return i + 1
			}
		}
	}
	return 0
}

func absName(name, origin string) string {
	switch {
	case name == "@":
		return origin
	case dns.IsFqdn(name):
		return dns.CanonicalName(name)
	}
	return dns.CanonicalName(name + "." + origin)
}

// Domains returns the served domains, sorted, lower-case, without the
// trailing dot.
func (z *ZoneSet) Domains() []string {
	if z == nil {
		return nil
	}
	out := make([]string, len(z.zones))
	for i, zn := range z.zones {
		out[i] = zn.domain
	}
	return out
}

// Records returns copies of all records served, zone by zone (as Domains),
// then in DNS canonical name order (RFC 4034 §6.1, so the apex comes first),
// then SOA first and the other types by number. It is meant for showing
// people what the lab serves.
func (z *ZoneSet) Records() []dns.RR {
	if z == nil {
		return nil
	}
	var out []dns.RR
	for _, zn := range z.zones {
		names := make([]string, 0, len(zn.nodes))
		for name := range zn.nodes {
			names = append(names, name)
		}
		slices.SortFunc(names, compareNames)
		for _, name := range names {
			n := zn.nodes[name]
			types := slices.Clone(n.order)
			slices.SortFunc(types, func(a, b uint16) int { return cmp.Compare(typeRank(a), typeRank(b)) })
			for _, t := range types {
				for _, rr := range n.rrsets[t] {
					out = append(out, dns.Copy(rr))
				}
			}
		}
	}
	return out
}

// OwnRecords are Records without the SOA and NS records, which the lab synthesises or any zone has:
// what a person must create elsewhere to reproduce these zones.
func (z *ZoneSet) OwnRecords() []dns.RR {
	var out []dns.RR
	for _, rr := range z.Records() {
		if t := rr.Header().Rrtype; t != dns.TypeSOA && t != dns.TypeNS {
			out = append(out, rr)
		}
	}
	return out
}

func typeRank(t uint16) int {
	if t == dns.TypeSOA {
		return -1
	}
	return int(t)
}

// compareNames orders names canonically: by labels from the right.
func compareNames(a, b string) int {
	la, lb := dns.SplitDomainName(a), dns.SplitDomainName(b)
	for i, j := len(la)-1, len(lb)-1; i >= 0 && j >= 0; i, j = i-1, j-1 {
		if c := strings.Compare(la[i], lb[j]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(la), len(lb))
}
