package sipstack

import (
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/internal/rawio"
)

// connLimiter refuses connections past a total and a per-source-address bound right after accept,
// before any TLS work, so one peer cannot take every descriptor the Edge has (issue 16).
type connLimiter struct {
	max, maxPerIP int // 0: unbounded
	log           zerolog.Logger

	mu      sync.Mutex
	total   int
	perIP   map[netip.Addr]int
	refused int       // since the last refusal log line
	logged  time.Time // when that line was written
}

func newConnLimiter(max, maxPerIP int, log zerolog.Logger) *connLimiter {
	return &connLimiter{max: max, maxPerIP: maxPerIP, log: log, perIP: map[netip.Addr]int{}}
}

// admit counts c in, or closes it and returns nil when a bound is reached. The returned conn gives
// its place back on its first Close, whoever closes it (sipgo, the handshake, the idle timer).
func (l *connLimiter) admit(c net.Conn) net.Conn {
	ip := remoteIP(c)
	l.mu.Lock()
	why := ""
	switch {
	case l.max > 0 && l.total >= l.max:
		why = "edge.max_connections reached"
	case l.maxPerIP > 0 && l.perIP[ip] >= l.maxPerIP:
		why = "edge.max_connections_per_ip reached"
	}
	if why != "" {
		l.refused++
		// One line a second at most: the refused peer is the one trying to flood the log too.
		if now := time.Now(); now.Sub(l.logged) >= time.Second {
			l.log.Warn().Str("peer", c.RemoteAddr().String()).Str("reason", why).Int("open", l.total).
				Int("refused", l.refused).Msg(MsgConnRefused)
			l.logged, l.refused = now, 0
		}
		l.mu.Unlock()
		_ = c.Close()
		return nil
	}
	l.total++
	l.perIP[ip]++
	l.mu.Unlock()
	return &countedConn{Conn: rawio.Conn(c), release: func() { l.release(ip) }}
}

func (l *connLimiter) release(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.perIP[ip]--; l.perIP[ip] <= 0 {
		delete(l.perIP, ip)
	}
}

// Open is the number of connections counted in.
func (l *connLimiter) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

func remoteIP(c net.Conn) netip.Addr {
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		if ap := ta.AddrPort(); ap.IsValid() {
			return ap.Addr().Unmap()
		}
	}
	return netip.Addr{}
}

// countedConn is the raw TCP connection under the TLS layer; closing the TLS conn closes it.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
