package labdns

import (
	"context"
	"testing"

	"github.com/miekg/dns"
)

const benchSRV = "_sipfederationtls._tcp.acano.steven.lab"

func BenchmarkServerUDP(b *testing.B) {
	s := startServer(b, mustZones(b, DefaultZones()))
	q := new(dns.Msg).SetQuestion(benchSRV+".", dns.TypeSRV)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		c := &dns.Client{Net: "udp"}
		conn, err := c.Dial(s.Addr())
		if err != nil {
			b.Error(err)
			return
		}
		defer conn.Close()
		m := q.Copy()
		for pb.Next() {
			m.Id = dns.Id()
			resp, _, err := c.ExchangeWithConn(m, conn)
			if err != nil || len(resp.Answer) != 1 {
				b.Errorf("answer %v, error %v", resp, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}

func BenchmarkResolverCacheHit(b *testing.B) {
	r := NewEmbeddedResolver(mustZones(b, DefaultZones()), ResolverOptions{})
	ctx := context.Background()
	if _, err := r.LookupSRV(ctx, benchSRV); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.LookupSRV(ctx, benchSRV); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolverEmbeddedMiss is the baseline the cache is measured
// against: every lookup asks the zones.
func BenchmarkResolverEmbeddedMiss(b *testing.B) {
	r := NewEmbeddedResolver(mustZones(b, DefaultZones()), ResolverOptions{CacheSize: -1})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.LookupSRV(ctx, benchSRV); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAnswer(b *testing.B) {
	z := mustZones(b, DefaultZones())
	q := dns.Question{Name: benchSRV + ".", Qtype: dns.TypeSRV, Qclass: dns.ClassINET}
	b.ReportAllocs()
	for b.Loop() {
		if m := z.Answer(q); len(m.Answer) != 1 {
			b.Fatal(m)
		}
	}
}
