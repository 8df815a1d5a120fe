package sipstack

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// HandoffListener gives sipgo connections whose TLS handshake we ran ourselves, so that the
// certificate we judged is the one the SIP traffic rides on. sipgo's Serve puts each connection
// it accepts in its pool under both addresses and reads from it; a request whose destination is
// the peer's ip:port then reuses it instead of dialing. The stand-ins (scenarios/standin) serve
// their own handshakes the same way, hence exported.
type HandoffListener struct {
	addr  net.Addr
	conns chan handoff
	done  chan struct{}
	once  sync.Once
	last  chan struct{} // touched only by sipgo's accept loop
}

type handoff struct {
	conn   net.Conn
	pooled chan struct{} // closed once sipgo has pooled conn; nil when nobody waits
}

// NewHandoffListener returns a listener whose Addr is addr and which accepts only what Hand gives it.
func NewHandoffListener(addr net.Addr) *HandoffListener {
	return &HandoffListener{addr: addr, conns: make(chan handoff), done: make(chan struct{})}
}

// Accept is called by one goroutine, sipgo's Serve, which comes back only after it pooled the
// previous connection: that return is the signal Hand waits for.
func (l *HandoffListener) Accept() (net.Conn, error) {
	if l.last != nil {
		close(l.last)
		l.last = nil
	}
	select {
	case h := <-l.conns:
		l.last = h.pooled
		return h.conn, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Hand passes c to sipgo; with wait it returns once c is in sipgo's pool.
func (l *HandoffListener) Hand(ctx context.Context, c net.Conn, wait bool) error {
	h := handoff{conn: c}
	if wait {
		h.pooled = make(chan struct{})
	}
	select {
	case l.conns <- h:
	case <-l.done:
		return net.ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	if !wait {
		return nil
	}
	select {
	case <-h.pooled:
		return nil
	case <-l.done:
		return net.ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *HandoffListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *HandoffListener) Addr() net.Addr { return l.addr }

// watchedConn remembers why the peer's side went away. sipgo's reader only logs it, and a TLS
// alert after the handshake (TLS 1.3 refusing our certificate) must still read as a TLS failure.
type watchedConn struct {
	net.Conn
	mu      sync.Mutex
	readErr error
}

func (c *watchedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil {
		c.mu.Lock()
		if c.readErr == nil {
			c.readErr = err
		}
		c.mu.Unlock()
	}
	return n, err
}

func (c *watchedConn) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.readErr
}

// DrainConns closes the connections we handed to sipgo and waits until its readers have unpooled
// them, the last thing a reader does; the pool's lock then orders their work before ours. Bounded,
// so a stuck reader is left behind rather than hung on.
func DrainConns(ua *sipgo.UserAgent, conns []net.Conn) {
	for _, c := range conns {
		_ = c.Close()
	}
	pool := ua.TransportLayer().Pool("tls")
	for deadline := time.Now().Add(2 * time.Second); pool.Size() > 0 && time.Now().Before(deadline); {
		time.Sleep(2 * time.Millisecond)
	}
}

// HandlerGroup runs sipgo request handlers so that their end can be waited for. The handler's
// transaction is terminated inside it: sipgo would otherwise do so after the handler returned, out
// of reach of any wait, touching its process-wide logger while the next owner may be replacing it.
// Once Wait has begun no handler starts: a late one (from a reader DrainConns left behind) answers
// nothing, which its peer sees as the connection ending.
type HandlerGroup struct {
	mu     sync.Mutex
	wg     sync.WaitGroup
	closed bool
}

// Wrap makes h one of the group's handlers.
func (g *HandlerGroup) Wrap(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		g.mu.Lock()
		if g.closed {
			g.mu.Unlock()
			return
		}
		g.wg.Add(1)
		g.mu.Unlock()
		defer g.wg.Done()
		h(req, tx)
		if tx != nil {
			tx.Terminate()
		}
	}
}

// Wait refuses new handlers and waits for the running ones to end.
func (g *HandlerGroup) Wait() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.wg.Wait()
}
