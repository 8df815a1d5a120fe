package sipstack

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// tlsListener accepts TCP and hands sipgo *edgeConn values: TLS connections that bound their own
// handshake and idle time, number themselves for ms-received-cid, and log refusals with the peer address.
type tlsListener struct {
	net.Listener
	conf      *tls.Config
	handshake time.Duration
	idle      time.Duration
	log       zerolog.Logger
	nextCID   atomic.Uint64
	tap       Tap // nil: off
	// verify, when set, judges the client's chain inside the handshake; an error ends it with an alert.
	verify    func(chain []*x509.Certificate, peer net.Addr) error
	done      chan struct{} // closed by Close, ends an accept backoff
	closeOnce sync.Once
	limit     *connLimiter
	// msgTimeout bounds one whole SIP message, first byte to last; 0: only the idle timeout.
	msgTimeout time.Duration
	lean       *leanPath // the call path's own handling (lean.go); nil: sipgo has every message
}

func newTLSListener(inner net.Listener, conf *tls.Config, handshake, idle time.Duration, limit *connLimiter, log zerolog.Logger) *tlsListener {
	return &tlsListener{Listener: inner, conf: conf, handshake: handshake, idle: idle, log: log, done: make(chan struct{}), limit: limit}
}

// HandshakeVerifier is a Decider that also judges a client certificate inside the TLS handshake,
// where a refusal is an alert and no SIP answer. It sees the peer's address so it can log it.
type HandshakeVerifier interface {
	VerifyHandshake(chain []*x509.Certificate, peer net.Addr) error
}

func (l *tlsListener) Accept() (net.Conn, error) {
	var c net.Conn
	for c == nil {
		raw, err := l.acceptRetrying()
		if err != nil {
			return nil, err
		}
		c = l.limit.admit(raw)
	}
	c, tap := tapped(l.tap, c, true)
	conf := l.conf
	if l.verify != nil {
		// VerifyConnection does not see the peer's address: a per-connection copy closes over it.
		conf = l.conf.Clone()
		remote := c.RemoteAddr()
		conf.VerifyConnection = func(cs tls.ConnectionState) error { return l.verify(cs.PeerCertificates, remote) }
	}
	ec := &edgeConn{Conn: tls.Server(c, conf), l: l, cid: l.nextCID.Add(1) + 0xff, tap: tap, gone: make(chan struct{}),
		remote: c.RemoteAddr().String()}
	return ec, nil
}

// Close stops accepting, and ends a backoff in progress.
func (l *tlsListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// edgeConn embeds *tls.Conn so that sipgo's TCPConnection.Conn still offers ConnectionState.
type edgeConn struct {
	*tls.Conn
	l         *tlsListener
	cid       uint64
	handshook atomic.Bool
	hsErr     error
	hsOnce    sync.Once
	tap       ConnTap       // nil: off
	framer    msgFramer     // only sipgo's reader goroutine reads, so these two need no lock
	msgStart  time.Time     // when the message in progress began
	watch     readWatch     // tells sipgo's close after unparsable input from the others
	gone      chan struct{} // closed once sipgo closes the connection: dialogs on it are orphaned
	closedAt  atomic.Int64  // when gone closed, in Unix ns; 0 while open
	carried   atomic.Bool   // a dialog has been on this connection: its close concerns the dialog clock
	leanTxs   atomic.Int32  // the call path's INVITE transactions of this connection in its table
	goneOnce  sync.Once
	wmu       sync.Mutex // orders writes and guards held and pending (coalesce.go)
	held      bool
	pending   []byte
	rewritten []byte // a rewritten start line's overflow (malformed_start.go), and the call path's
	lean      leanFramer
	remote    string    // RemoteAddr as sipgo writes a request's Source
	rdl, wdl  time.Time // the read and write deadlines last set (deadline.go)
}

// Close is sipgo's last word on a connection, whatever ended it (peer, idle timer, handshake).
func (c *edgeConn) Close() error {
	c.goneOnce.Do(func() {
		c.logIfUnparsable()
		c.closedAt.Store(time.Now().UnixNano())
		close(c.gone)
		if c.l.lean != nil {
			c.l.lean.connClosed(c)
			if c.carried.Load() {
				c.l.lean.s.dialogsGone(c, time.Now())
			}
		}
	})
	return c.Conn.Close()
}

// errRefused tells sipgo's reader the connection is closed, so its own log stays quiet: the
// listener has already logged the refusal with the peer address and the reason.
var errRefused = fmt.Errorf("tls handshake refused: %w", net.ErrClosed)

func (c *edgeConn) Read(b []byte) (int, error) {
	if !c.handshook.Load() {
		if err := c.doHandshake(); err != nil {
			return 0, err
		}
	}
	if len(c.rewritten) > 0 {
		return c.drainPending(b), nil
	}
	now := time.Now()
	var deadline time.Time
	if c.l.idle > 0 {
		deadline = now.Add(c.l.idle)
	}
	partial := c.l.msgTimeout > 0 && c.framer.inMessage()
	if partial {
		if md := c.msgStart.Add(c.l.msgTimeout); deadline.IsZero() || md.Before(deadline) {
			deadline = md
		}
	}
	if err := c.readDeadline(deadline); err != nil {
		return 0, err
	}
	c.watch.enter()
	n, err := c.Conn.Read(b)
	for n == 0 && isTimeout(err) && time.Now().Before(deadline) {
		// The deadline kept from an earlier read came first (readDeadline): the real one stands.
		c.watch.leave(b, n, err)
		if err := c.setReadDeadline(deadline); err != nil {
			return 0, err
		}
		c.watch.enter()
		n, err = c.Conn.Read(b)
	}
	if c.tap != nil && n > 0 {
		c.tap.Plain(false, time.Now(), b[:n])
	}
	c.watch.leave(b, n, err)
	if n > 0 && c.framer.feed(b[:n]) {
		c.msgStart = now
	}
	if n > 0 {
		n = c.fixStartLines(b, n)
		n = c.leanFilter(b, n)
	}
	if isTimeout(err) {
		if partial && !time.Now().Before(c.msgStart.Add(c.l.msgTimeout)) {
			c.l.log.Warn().Str("peer", c.RemoteAddr().String()).Dur("message_timeout", c.l.msgTimeout).
				Msg(MsgMessageTimeout)
			_ = c.Conn.Close()
			return n, fmt.Errorf("incomplete message: %w", net.ErrClosed)
		}
		c.l.log.Info().Str("peer", c.RemoteAddr().String()).Dur("idle", c.l.idle).Msg("closing idle connection")
		_ = c.Conn.Close()
		return n, fmt.Errorf("idle connection closed: %w", net.ErrClosed)
	}
	return n, err
}

func (c *edgeConn) doHandshake() error {
	c.hsOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.l.handshake)
		defer cancel()
		started := time.Now()
		err := c.handshakeAside(ctx)
		if c.tap != nil {
			c.tap.Handshake(c.Conn.ConnectionState(), time.Since(started), err)
		}
		if err != nil {
			c.l.log.Warn().Str("peer", c.RemoteAddr().String()).Str("reason", handshakeReason(err)).
				Msg(MsgHandshakeRefused)
			_ = c.Conn.Close()
			c.hsErr = errRefused
			return
		}
		cs := c.Conn.ConnectionState()
		ev := c.l.log.Debug().Str("peer", c.RemoteAddr().String()).Str("tls", tls.VersionName(cs.Version))
		if len(cs.PeerCertificates) > 0 {
			ev = ev.Str("client_cert", cs.PeerCertificates[0].Subject.CommonName)
		}
		ev.Msg("TLS connection accepted")
		c.handshook.Store(true)
	})
	return c.hsErr
}

// handshakeAside runs the TLS handshake on a goroutine of its own and waits for it. The handshake
// (certificate parsing, key exchange, the Edge's chain check) needs a deep stack; run on the
// connection's reader goroutine, that stack would stay grown for the connection's whole life, most
// of it spent parked in Read. The waiting is bounded by ctx, which bounds the handshake.
func (c *edgeConn) handshakeAside(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- c.Conn.HandshakeContext(ctx) }()
	return <-done
}

func handshakeReason(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return "no TLS handshake within the deadline"
	}
	var rh tls.RecordHeaderError
	if errors.As(err, &rh) {
		return "not TLS: the peer sent plaintext (SIP over TCP to the TLS port?)"
	}
	return err.Error()
}

// writeTimeout bounds each write, so a peer that stops reading cannot hold a handler (and a graceful
// stop) until the idle timeout.
const writeTimeout = 10 * time.Second

// ConnID is the connection number the Edge echoes as ms-received-cid.
func (c *edgeConn) ConnID() uint64 { return c.cid }

// goneAt is when the connection closed; zero while it is open.
func (c *edgeConn) goneAt() time.Time {
	if ns := c.closedAt.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}
