package labdns

import (
	"bytes"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/rs/zerolog"
)

// mixCase spells name the way a 0x20-randomising resolver might.
func mixCase(name string) string {
	b := []byte(name)
	for i := range b {
		if i%2 == 0 {
			b[i] = strings.ToUpper(string(b[i]))[0]
		}
	}
	return string(b)
}

// TestPreparedMatchesSlowPath: for every prepared question, in every shape
// the fast path takes, its bytes are exactly what the general path sends.
func TestPreparedMatchesSlowPath(t *testing.T) {
	s := NewServer(mustZones(t, DefaultZones()), zerolog.Nop())
	tab := s.table.Load()
	if len(tab.byQ) == 0 {
		t.Fatal("nothing prepared")
	}
	shapes := []func(*dns.Msg){
		func(m *dns.Msg) {},
		func(m *dns.Msg) { m.RecursionDesired = false; m.CheckingDisabled = true },
		func(m *dns.Msg) { m.SetEdns0(1232, true) },
		func(m *dns.Msg) {
			m.SetEdns0(4096, false)
			m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0102030405060708"})
		},
	}
	var key [keyCap]byte
	out := make([]byte, maxUDPReply)
	fast := 0
	for _, pa := range tab.byQ {
		for i, shape := range shapes {
			req := new(dns.Msg).SetQuestion(mixCase(pa.name), dns.StringToType[pa.qtype])
			req.Id = uint16(1000 + i)
			shape(req)
			pkt, err := req.Pack()
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.reply(tab.zones, req, true).Pack()
			if err != nil {
				t.Fatal(err)
			}
			q, ok := parseQuery(pkt, &key)
			if !ok {
				t.Fatalf("%s %s shape %d: fast path refused the query", pa.name, pa.qtype, i)
			}
			n, _ := tab.writeReply(pkt, q, out)
			if n == 0 {
				// Only a reply that must be truncated may fall back.
				if resp := new(dns.Msg); resp.Unpack(want) != nil || !resp.Truncated {
					t.Errorf("%s %s shape %d: fell back without need", pa.name, pa.qtype, i)
				}
				continue
			}
			fast++
			if !bytes.Equal(out[:n], want) {
				t.Errorf("%s %s shape %d:\n fast %x\n slow %x", pa.name, pa.qtype, i, out[:n], want)
			}
		}
	}
	if fast == 0 {
		t.Fatal("no query took the fast path")
	}
}

func TestParseQueryLeavesOddShapesToSlowPath(t *testing.T) {
	base := func() *dns.Msg { return new(dns.Msg).SetQuestion(benchSRV+".", dns.TypeSRV) }
	cases := map[string]func() []byte{
		"response": func() []byte { m := base(); m.Response = true; return mustPack(t, m) },
		"notify":   func() []byte { m := base(); m.Opcode = dns.OpcodeNotify; return mustPack(t, m) },
		"class CH": func() []byte { m := base(); m.Question[0].Qclass = dns.ClassCHAOS; return mustPack(t, m) },
		"two questions": func() []byte {
			m := base()
			m.Question = append(m.Question, m.Question[0])
			return mustPack(t, m)
		},
		"trailing bytes": func() []byte { return append(mustPack(t, base()), 0) },
		"cut short":      func() []byte { p := mustPack(t, base()); return p[:len(p)-3] },
	}
	var key [keyCap]byte
	for name, pkt := range cases {
		if _, ok := parseQuery(pkt(), &key); ok {
			t.Errorf("%s: taken by the fast path", name)
		}
	}
}

func mustPack(tb testing.TB, m *dns.Msg) []byte {
	tb.Helper()
	p, err := m.Pack()
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// TestPreparedNoAllocation: the fast path must not allocate, or the garbage
// collector costs the lab DNS what the table saved.
func TestPreparedNoAllocation(t *testing.T) {
	s := NewServer(mustZones(t, DefaultZones()), zerolog.Nop())
	tab := s.table.Load()
	pkt := mustPack(t, new(dns.Msg).SetQuestion(mixCase(benchSRV+"."), dns.TypeSRV))
	var key [keyCap]byte
	out := make([]byte, maxUDPReply)
	allocs := testing.AllocsPerRun(100, func() {
		q, ok := parseQuery(pkt, &key)
		if n, _ := tab.writeReply(pkt, q, out); !ok || n == 0 {
			t.Fatal("not answered by the fast path")
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per query", allocs)
	}
}

// TestSetZonesDropsPreparedAnswers: after new zones, queries over the wire
// get the new answers, not the ones prepared for the old zones.
func TestSetZonesDropsPreparedAnswers(t *testing.T) {
	s := startServer(t, mustZones(t, DefaultZones()))
	ask := func() *dns.Msg {
		m, _, err := (&dns.Client{Net: "udp"}).Exchange(new(dns.Msg).SetQuestion(benchSRV+".", dns.TypeSRV), s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := ask(); m.Rcode != dns.RcodeSuccess || len(m.Answer) != 1 {
		t.Fatalf("before: %v", m)
	}
	s.SetZones(mustZones(t, map[string]string{"other.lab": "@ IN A 127.0.0.9\n"}))
	if m := ask(); m.Rcode != dns.RcodeRefused {
		t.Fatalf("after SetZones the old zone still answers: %v", m)
	}
}
