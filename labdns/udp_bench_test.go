package labdns

import (
	"encoding/binary"
	"net"
	"testing"

	"github.com/miekg/dns"
	"github.com/rs/zerolog"
)

// BenchmarkServerUDPRaw measures the wire server with a client that costs
// as little as possible: one pre-packed query per goroutine, its ID bumped in
// place, on a connected loopback socket. BenchmarkServerUDP's dns.Client
// spends more CPU than the server it measures, and both share two cores.
// BenchmarkAnswerPack (below) is the in-run baseline: the work the old
// server did per query, without the network.
func BenchmarkServerUDPRaw(b *testing.B) {
	for _, tc := range []struct {
		name string
		edns bool
	}{{"plain", false}, {"edns", true}} {
		b.Run(tc.name, func(b *testing.B) {
			s := startServer(b, mustZones(b, DefaultZones()))
			q := new(dns.Msg).SetQuestion(benchSRV+".", dns.TypeSRV)
			if tc.edns {
				q.SetEdns0(1232, false)
			}
			wire, err := q.Pack()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				conn, err := net.Dial("udp", s.Addr())
				if err != nil {
					b.Error(err)
					return
				}
				defer conn.Close()
				req := append([]byte(nil), wire...)
				resp := make([]byte, 1500)
				var id uint16
				for pb.Next() {
					id++
					binary.BigEndian.PutUint16(req, id)
					if _, err := conn.Write(req); err != nil {
						b.Error(err)
						return
					}
					n, err := conn.Read(resp)
					if err != nil || n < 12 || binary.BigEndian.Uint16(resp) != id || resp[3]&0x0f != 0 {
						b.Errorf("reply %x, error %v", resp[:n], err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
		})
	}
}

// BenchmarkAnswerPack is what answering cost per query before answers were
// prepared: the zone lookup and packing the reply.
func BenchmarkAnswerPack(b *testing.B) {
	s := NewServer(mustZones(b, DefaultZones()), zerolog.Nop())
	req := new(dns.Msg).SetQuestion(benchSRV+".", dns.TypeSRV)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.reply(s.table.Load().zones, req, true).Pack(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPreparedReply is the fast path's own work per query, to set
// beside BenchmarkAnswerPack without the loopback round trip.
func BenchmarkPreparedReply(b *testing.B) {
	s := NewServer(mustZones(b, DefaultZones()), zerolog.Nop())
	tab := s.table.Load()
	pkt, err := new(dns.Msg).SetQuestion(benchSRV+".", dns.TypeSRV).Pack()
	if err != nil {
		b.Fatal(err)
	}
	var key [keyCap]byte
	out := make([]byte, maxUDPReply)
	b.ReportAllocs()
	for b.Loop() {
		q, ok := parseQuery(pkt, &key)
		if n, _ := tab.writeReply(pkt, q, out); !ok || n == 0 {
			b.Fatal("not answered by the fast path")
		}
	}
}
