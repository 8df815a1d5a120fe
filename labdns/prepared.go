package labdns

import (
	"github.com/miekg/dns"
)

const (
	dnsHeaderLen = 12
	// maxPrepared bounds the table for very large zones: a name past it is
	// answered the slow way, which is correct, only dearer.
	maxPrepared = 1 << 16
	// keyCap fits the longest wire name (255) plus the type.
	keyCap = 255 + 2
)

// preparedTypes are prepared for every name even when it has none of them,
// because NODATA and CNAME-chased answers are asked for as often as hits.
var preparedTypes = []uint16{
	dns.TypeA, dns.TypeAAAA, dns.TypeSRV, dns.TypeNAPTR, dns.TypeTXT,
	dns.TypeCNAME, dns.TypeNS, dns.TypeSOA, dns.TypeMX, dns.TypePTR,
}

// answerTable holds the zones and, for each (name, type) they serve in
// class IN, the reply already packed. It is built whole and never changed,
// so readers need no lock; new zones get a new table (Server.SetZones).
type answerTable struct {
	zones *ZoneSet
	byQ   map[string]*preparedAnswer // key: lower-case wire name + type
}

// preparedAnswer is the reply with ID 0, RD and CD clear and the question
// in lower case: the three things the server copies from each query.
// Packed uncompressed, as the slow path sends any reply that fits, so the
// question can be overwritten with the client's spelling (0x20) in place.
type preparedAnswer struct {
	plain, edns []byte
	// for the debug log, so the fast path logs what the slow path would
	name, qtype string
	rcode       int
	answers     int
}

func newAnswerTable(zones *ZoneSet) *answerTable {
	t := &answerTable{zones: zones, byQ: make(map[string]*preparedAnswer)}
	if zones == nil {
		return t
	}
	for _, zn := range zones.zones {
		for name, n := range zn.nodes {
			for _, qt := range append(append([]uint16(nil), n.order...), preparedTypes...) {
				if len(t.byQ) >= maxPrepared {
					return t
				}
				t.prepare(name, qt)
			}
		}
	}
	return t
}

func (t *answerTable) prepare(name string, qtype uint16) {
	req := new(dns.Msg).SetQuestion(name, qtype)
	req.RecursionDesired = false
	plain, err := packWhole(buildReply(t.zones, req))
	if err != nil {
		return // unpackable records stay on the slow path, which reports them
	}
	req.SetEdns0(dns.MaxMsgSize, false)
	resp := buildReply(t.zones, req)
	edns, err := packWhole(resp)
	if err != nil {
		return
	}
	key := plain[dnsHeaderLen : nameEnd(plain)+2]
	t.byQ[string(key)] = &preparedAnswer{
		plain: plain, edns: edns, name: name, qtype: typeString(qtype),
		rcode: resp.Rcode, answers: len(resp.Answer),
	}
}

// nameEnd is the offset just past the question's name in a message we packed.
func nameEnd(msg []byte) int {
	i := dnsHeaderLen
	for msg[i] != 0 {
		i += int(msg[i]) + 1
	}
	return i + 1
}

func packWhole(m *dns.Msg) ([]byte, error) {
	m.Compress = false
	return m.Pack()
}

// query is what the fast path reads from a request without unpacking it.
type query struct {
	key      []byte // lower-case wire name + type, in the caller's buffer
	nameLen  int    // bytes of the wire name, from offset 12
	udpSize  int    // the most the client takes
	withEDNS bool
}

// parseQuery accepts only the common shape: a query, one question in
// class IN, no answer or authority records, at most an OPT record. Anything
// else is left to the slow path, which knows every rule.
func parseQuery(pkt []byte, key *[keyCap]byte) (query, bool) {
	var q query
	if len(pkt) < dnsHeaderLen+5 || pkt[2]&0xfa != 0 { // QR, opcode, TC
		return q, false
	}
	if pkt[4] != 0 || pkt[5] != 1 || pkt[6]|pkt[7]|pkt[8]|pkt[9]|pkt[10] != 0 || pkt[11] > 1 {
		return q, false
	}
	i := dnsHeaderLen
	for {
		if i >= len(pkt) || i-dnsHeaderLen >= 255 {
			return q, false
		}
		l := int(pkt[i])
		if l == 0 {
			break
		}
		if l&0xc0 != 0 || i+1+l >= len(pkt) {
			return q, false // compression in a question is legal but nobody does it
		}
		i += 1 + l
	}
	i++ // the root label
	q.nameLen = i - dnsHeaderLen
	if i+4 > len(pkt) || pkt[i+2] != 0 || pkt[i+3] != byte(dns.ClassINET) {
		return q, false
	}
	n := copy(key[:], pkt[dnsHeaderLen:i+2])
	for j := range n - 2 {
		// Length bytes are at most 63, below 'A', so they pass unchanged.
		if c := key[j]; 'A' <= c && c <= 'Z' {
			key[j] = c + 'a' - 'A'
		}
	}
	q.key = key[:n]
	i += 4
	q.udpSize = dns.MinMsgSize
	if pkt[11] == 1 {
		// OPT: root name, type 41, class = UDP size, TTL, RDLENGTH, RDATA.
		if i+11 > len(pkt) || pkt[i] != 0 || pkt[i+1] != 0 || pkt[i+2] != byte(dns.TypeOPT) {
			return q, false
		}
		if pkt[i+6] != 0 { // an EDNS version above 0 gets BADVERS from the slow path (RFC 6891 §6.1.3)
			return q, false
		}
		q.udpSize = max(int(pkt[i+3])<<8|int(pkt[i+4]), dns.MinMsgSize)
		i += 11 + (int(pkt[i+9])<<8 | int(pkt[i+10]))
		q.withEDNS = true
	}
	return q, i == len(pkt)
}

// writeReply copies the prepared reply for q into out with the query's ID,
// RD and CD bits and question spelling. It returns 0 when the slow path must
// answer: nothing prepared, or a reply the client would need truncated.
func (t *answerTable) writeReply(pkt []byte, q query, out []byte) (int, *preparedAnswer) {
	pa := t.byQ[string(q.key)] // no allocation: the compiler looks up the bytes
	if pa == nil {
		return 0, nil
	}
	ans := pa.plain
	if q.withEDNS {
		ans = pa.edns
	}
	if len(ans) > q.udpSize || len(ans) > len(out) {
		return 0, nil
	}
	n := copy(out, ans)
	out[0], out[1] = pkt[0], pkt[1]
	out[2] |= pkt[2] & 0x01 // RD
	out[3] |= pkt[3] & 0x10 // CD
	copy(out[dnsHeaderLen:], pkt[dnsHeaderLen:dnsHeaderLen+q.nameLen])
	return n, pa
}
