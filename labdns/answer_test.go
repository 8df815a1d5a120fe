package labdns

import (
	"testing"

	"github.com/miekg/dns"
)

var answerZones = map[string]string{
	"steven.lab": `$TTL 300
@                       IN SOA  ns1.steven.lab. hostmaster.steven.lab. 7 3600 600 86400 30
@                       IN NS   ns1
ns1                     IN A    192.0.2.53
_sipfederationtls._tcp  IN SRV  0 0 5061 vcse.steven.lab.
vcse                    IN A    192.0.2.10
vcse                    IN AAAA 2001:db8::10
alias                   IN CNAME vcse
alias2                  IN CNAME alias
cross                   IN CNAME vcse.acano.steven.lab.
out                     IN CNAME www.example.com.
dangling                IN CNAME missing
loop1                   IN CNAME loop2
loop2                   IN CNAME loop1
txt                     IN TXT  "v=spf1 -all"
a.b.c                   IN A    192.0.2.20  ; b.c and c are empty non-terminals
vcse.acano              IN A    192.0.2.99  ; hidden: acano.steven.lab is its own zone
`,
	"acano.steven.lab": `; no SOA or NS here: both are synthesised
_sipfederationtls._tcp  IN SRV 10 60 5061 vcse.acano.steven.lab.
_sipfederationtls._tcp  IN SRV 20 40 5061 vcse.steven.lab.
vcse               600  IN A   192.0.2.11
`,
}

const (
	stevenNegSOA = "steven.lab. 30 IN SOA ns1.steven.lab. hostmaster.steven.lab. 7 3600 600 86400 30"
	acanoNegSOA  = "acano.steven.lab. 60 IN SOA ns1.acano.steven.lab. hostmaster.acano.steven.lab. 1 3600 600 86400 60"
)

func TestAnswer(t *testing.T) {
	z := mustZones(t, answerZones)
	tests := []struct {
		name   string
		qname  string
		qtype  uint16
		qclass uint16 // 0: IN
		rcode  int
		aa     bool
		answer []string
		ns     []string
		extra  []string
	}{
		{
			name: "srv with target addresses in additional", qname: "_sipfederationtls._tcp.steven.lab.", qtype: dns.TypeSRV,
			rcode: dns.RcodeSuccess, aa: true,
			answer: []string{"_sipfederationtls._tcp.steven.lab. 300 IN SRV 0 0 5061 vcse.steven.lab."},
			extra:  []string{"vcse.steven.lab. 300 IN A 192.0.2.10", "vcse.steven.lab. 300 IN AAAA 2001:db8::10"},
		},
		{
			name: "srv targets across zones", qname: "_sipfederationtls._tcp.acano.steven.lab.", qtype: dns.TypeSRV,
			rcode: dns.RcodeSuccess, aa: true,
			answer: []string{
				"_sipfederationtls._tcp.acano.steven.lab. 300 IN SRV 10 60 5061 vcse.acano.steven.lab.",
				"_sipfederationtls._tcp.acano.steven.lab. 300 IN SRV 20 40 5061 vcse.steven.lab.",
			},
			extra: []string{
				"vcse.acano.steven.lab. 600 IN A 192.0.2.11",
				"vcse.steven.lab. 300 IN A 192.0.2.10", "vcse.steven.lab. 300 IN AAAA 2001:db8::10",
			},
		},
		{
			name: "a", qname: "vcse.steven.lab.", qtype: dns.TypeA, rcode: dns.RcodeSuccess, aa: true,
			answer: []string{"vcse.steven.lab. 300 IN A 192.0.2.10"},
		},
		{
			name: "aaaa", qname: "vcse.steven.lab.", qtype: dns.TypeAAAA, rcode: dns.RcodeSuccess, aa: true,
			answer: []string{"vcse.steven.lab. 300 IN AAAA 2001:db8::10"},
		},
		{
			name: "txt", qname: "txt.steven.lab.", qtype: dns.TypeTXT, rcode: dns.RcodeSuccess, aa: true,
			answer: []string{`txt.steven.lab. 300 IN TXT "v=spf1 -all"`},
		},
		{
			name: "cname chased", qname: "alias.steven.lab.", qtype: dns.TypeA, rcode: dns.RcodeSuccess, aa: true,
			answer: []string{"alias.steven.lab. 300 IN CNAME vcse.steven.lab.", "vcse.steven.lab. 300 IN A 192.0.2.10"},
		},
		{
			name: "cname chain", qname: "alias2.steven.lab.", qtype: dns.TypeAAAA, rcode: dns.RcodeSuccess, aa: true,
			answer: []string{
				"alias2.steven.lab. 300 IN CNAME alias.steven.lab.",
				"alias.steven.lab. 300 IN CNAME vcse.steven.lab.",
				"vcse.steven.lab. 300 IN AAAA 2001:db8::10",
			},
		},
		{
			name: "cname into the more specific zone", qname: "cross.steven.lab.", qtype: dns.TypeA, rcode: dns.RcodeSuccess, aa: true,
			answer: []string{"cross.steven.lab. 300 IN CNAME vcse.acano.steven.lab.", "vcse.acano.steven.lab. 600 IN A 192.0.2.11"},
		},
		{
			name: "cname asked for itself is not chased", qname: "alias.steven.lab.", qtype: dns.TypeCNAME, rcode: dns.RcodeSuccess, aa: true,
			answer: []string{"alias.steven.lab. 300 IN CNAME vcse.steven.lab."},
		},
		{
			name: "cname leaving the lab stops there", qname: "out.steven.lab.", qtype: dns.TypeA, rcode: dns.RcodeSuccess, aa: true,
			answer: []string{"out.steven.lab. 300 IN CNAME www.example.com."},
		},
		{
			name: "cname to a missing name is nxdomain with the cname", qname: "dangling.steven.lab.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, aa: true,
			answer: []string{"dangling.steven.lab. 300 IN CNAME missing.steven.lab."},
			ns:     []string{stevenNegSOA},
		},
		{
			name: "cname loop is servfail", qname: "loop1.steven.lab.", qtype: dns.TypeA, rcode: dns.RcodeServerFailure,
		},
		{
			name: "ns and soa as written", qname: "steven.lab.", qtype: dns.TypeNS, rcode: dns.RcodeSuccess, aa: true,
			answer: []string{"steven.lab. 300 IN NS ns1.steven.lab."},
		},
		{
			name: "soa as written", qname: "steven.lab.", qtype: dns.TypeSOA, rcode: dns.RcodeSuccess, aa: true,
			answer: []string{"steven.lab. 300 IN SOA ns1.steven.lab. hostmaster.steven.lab. 7 3600 600 86400 30"},
		},
		{
			name: "soa synthesised", qname: "acano.steven.lab.", qtype: dns.TypeSOA, rcode: dns.RcodeSuccess, aa: true,
			answer: []string{"acano.steven.lab. 300 IN SOA ns1.acano.steven.lab. hostmaster.acano.steven.lab. 1 3600 600 86400 60"},
		},
		{
			name: "ns synthesised", qname: "acano.steven.lab.", qtype: dns.TypeNS, rcode: dns.RcodeSuccess, aa: true,
			answer: []string{"acano.steven.lab. 300 IN NS ns1.acano.steven.lab."},
		},
		{
			name: "most specific zone wins over a record in the parent", qname: "vcse.acano.steven.lab.", qtype: dns.TypeA,
			rcode: dns.RcodeSuccess, aa: true,
			answer: []string{"vcse.acano.steven.lab. 600 IN A 192.0.2.11"},
		},
		{
			name: "nxdomain", qname: "nope.steven.lab.", qtype: dns.TypeA, rcode: dns.RcodeNameError, aa: true,
			ns: []string{stevenNegSOA},
		},
		{
			name: "nxdomain in synthesised zone", qname: "nope.acano.steven.lab.", qtype: dns.TypeSRV, rcode: dns.RcodeNameError, aa: true,
			ns: []string{acanoNegSOA},
		},
		{
			name: "nodata", qname: "vcse.steven.lab.", qtype: dns.TypeTXT, rcode: dns.RcodeSuccess, aa: true,
			ns: []string{stevenNegSOA},
		},
		{
			name: "nodata for srv at a host", qname: "vcse.acano.steven.lab.", qtype: dns.TypeSRV, rcode: dns.RcodeSuccess, aa: true,
			ns: []string{acanoNegSOA},
		},
		{
			name: "empty non-terminal is nodata", qname: "b.c.steven.lab.", qtype: dns.TypeA, rcode: dns.RcodeSuccess, aa: true,
			ns: []string{stevenNegSOA},
		},
		{
			name: "empty non-terminal of srv is nodata", qname: "_tcp.steven.lab.", qtype: dns.TypeSRV, rcode: dns.RcodeSuccess, aa: true,
			ns: []string{stevenNegSOA},
		},
		{
			name: "below an existing name is nxdomain", qname: "x.vcse.steven.lab.", qtype: dns.TypeA, rcode: dns.RcodeNameError, aa: true,
			ns: []string{stevenNegSOA},
		},
		{name: "outside every zone is refused", qname: "www.example.com.", qtype: dns.TypeA, rcode: dns.RcodeRefused},
		{name: "parent of the zones is refused", qname: "lab.", qtype: dns.TypeSOA, rcode: dns.RcodeRefused},
		{name: "root is refused", qname: ".", qtype: dns.TypeNS, rcode: dns.RcodeRefused},
		{name: "class chaos is refused", qname: "vcse.steven.lab.", qtype: dns.TypeA, qclass: dns.ClassCHAOS, rcode: dns.RcodeRefused},
		{
			name: "names are case-insensitive", qname: "VCSE.Steven.LAB.", qtype: dns.TypeA, rcode: dns.RcodeSuccess, aa: true,
			answer: []string{"vcse.steven.lab. 300 IN A 192.0.2.10"},
		},
		{
			name: "srv owner case-insensitive", qname: "_SIPFederationTLS._TCP.Acano.Steven.Lab.", qtype: dns.TypeSRV,
			rcode: dns.RcodeSuccess, aa: true,
			answer: []string{
				"_sipfederationtls._tcp.acano.steven.lab. 300 IN SRV 10 60 5061 vcse.acano.steven.lab.",
				"_sipfederationtls._tcp.acano.steven.lab. 300 IN SRV 20 40 5061 vcse.steven.lab.",
			},
			extra: []string{
				"vcse.acano.steven.lab. 600 IN A 192.0.2.11",
				"vcse.steven.lab. 300 IN A 192.0.2.10", "vcse.steven.lab. 300 IN AAAA 2001:db8::10",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := dns.Question{Name: tc.qname, Qtype: tc.qtype, Qclass: tc.qclass}
			if q.Qclass == 0 {
				q.Qclass = dns.ClassINET
			}
			m := z.Answer(q)
			if m.Rcode != tc.rcode {
				t.Errorf("rcode %s, want %s", dns.RcodeToString[m.Rcode], dns.RcodeToString[tc.rcode])
			}
			if m.Authoritative != tc.aa {
				t.Errorf("AA %v, want %v", m.Authoritative, tc.aa)
			}
			if !m.Response {
				t.Error("QR bit not set")
			}
			if len(m.Question) != 1 || m.Question[0] != q {
				t.Errorf("question %v, want %v", m.Question, q)
			}
			checkSection(t, "answer", m.Answer, tc.answer)
			checkSection(t, "authority", m.Ns, tc.ns)
			checkSection(t, "additional", m.Extra, tc.extra)
		})
	}
}

// Answer hands out copies: a caller changing them must not change the zone.
func TestAnswerReturnsCopies(t *testing.T) {
	z := mustZones(t, answerZones)
	q := dns.Question{Name: "vcse.steven.lab.", Qtype: dns.TypeA, Qclass: dns.ClassINET}
	first := z.Answer(q)
	first.Answer[0].Header().Ttl = 1
	first.Answer[0].(*dns.A).A[3] = 99
	checkSection(t, "answer", z.Answer(q).Answer, []string{"vcse.steven.lab. 300 IN A 192.0.2.10"})
}

func TestAnswerNilZoneSetRefuses(t *testing.T) {
	var z *ZoneSet
	m := z.Answer(dns.Question{Name: "skype.lab.", Qtype: dns.TypeSOA, Qclass: dns.ClassINET})
	if m.Rcode != dns.RcodeRefused {
		t.Fatalf("rcode %s, want REFUSED", dns.RcodeToString[m.Rcode])
	}
}
