package edge

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
)

// holdPlain opens n plain TCP connections that never start TLS, as the issue's attacker did, and
// counts those the Edge closes (EOF) within a bounded wait.
func holdPlain(t *testing.T, addr string, n int) (conns []net.Conn, closedByEdge *atomic.Int32) {
	t.Helper()
	closedByEdge = &atomic.Int32{}
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %d: %v", len(conns), err)
		}
		conns = append(conns, c)
		go func() {
			_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
			if _, err := c.Read(make([]byte, 1)); errors.Is(err, io.EOF) {
				closedByEdge.Add(1)
			}
		}()
	}
	t.Cleanup(func() {
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return conns, closedByEdge
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A few hundred connections against a lowered cap: exactly the cap stays open, the rest are closed
// at once, and a federated call gets through as soon as the holder lets go.
func TestConnectionCaps(t *testing.T) {
	good := certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}
	for _, tc := range []struct {
		name          string
		total, perIP  int
		open, refused int
	}{
		{"edge.max_connections", 20, 20, 200, 180},
		{"edge.max_connections_per_ip", 1000, 7, 50, 43},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startEdge(t, withZones(acanoCorrect), func(c *config.Config) {
				c.Edge.MaxConnections, c.Edge.MaxConnsPerIP = tc.total, tc.perIP
				c.Edge.HandshakeTimeout = time.Minute // the held connections must outlive the test
			})
			conns, closed := holdPlain(t, e.addr, tc.open)
			cap := min(tc.total, tc.perIP)
			waitFor(t, "the excess to be closed", func() bool { return int(closed.Load()) == tc.refused })
			if got := e.svc.sip.OpenConnections(); got != cap {
				t.Errorf("%d connections open, want the cap %d", got, cap)
			}
			waitLog(t, e, "connection refused", tc.name+" reached")

			var wg sync.WaitGroup
			for _, c := range conns {
				wg.Add(1)
				go func() { defer wg.Done(); _ = c.Close() }()
			}
			wg.Wait()
			waitFor(t, "the held places to be given back", func() bool { return e.svc.sip.OpenConnections() == 0 })
			res := e.call(e.peer(e.issue(certs.IssuerLab, good)), seedFrom, seedTo)
			if !res.Answered {
				t.Errorf("a good call after the flood failed: %v", res.Final)
			}
		})
	}
}
