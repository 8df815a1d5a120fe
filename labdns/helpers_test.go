package labdns

import (
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/rs/zerolog"
)

func mustZones(tb testing.TB, zones map[string]string) *ZoneSet {
	tb.Helper()
	z, err := ParseZones(zones)
	if err != nil {
		tb.Fatalf("ParseZones: %v", err)
	}
	return z
}

// startServer serves z on a free loopback port until the test ends.
func startServer(tb testing.TB, z *ZoneSet) *Server {
	tb.Helper()
	log := zerolog.Nop()
	if t, ok := tb.(*testing.T); ok {
		log = zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.DebugLevel)
	}
	s := NewServer(z, log)
	if err := s.Start("127.0.0.1:0"); err != nil {
		tb.Fatalf("Start: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// silentServer is a UDP socket that reads queries and never answers, the
// lab's picture of a firewalled DNS server. It counts what it receives.
func silentServer(tb testing.TB) (addr string, received *atomic.Int64) {
	tb.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	received = new(atomic.Int64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65535)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
			received.Add(1)
		}
	}()
	tb.Cleanup(func() { pc.Close(); <-done })
	return pc.LocalAddr().String(), received
}

// checkSection compares records with the expected ones written as zone text,
// ignoring order; both missing and unexpected records fail.
func checkSection(t *testing.T, section string, got []dns.RR, want []string) {
	t.Helper()
	var g, w []string
	for _, rr := range got {
		g = append(g, rr.String())
	}
	for _, s := range want {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatalf("bad expected record %q: %v", s, err)
		}
		w = append(w, rr.String())
	}
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Errorf("%s section:\ngot:\n  %s\nwant:\n  %s", section, strings.Join(g, "\n  "), strings.Join(w, "\n  "))
	}
}

// fakeClock is a settable clock for cache expiry.
type fakeClock struct{ now atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.now.Store(time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.now.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.now.Add(int64(d)) }
