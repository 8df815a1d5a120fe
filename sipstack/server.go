// Package sipstack carries the Edge's SIP over mutual TLS with sipgo: the listener, the peer
// certificate of the delivering connection, dialogs and responses laid out as the Edge writes them.
// It knows nothing of federation policy: a Decider says yes or no, and this package does the rest.
package sipstack

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/rs/zerolog"
)

// Config is everything the SIP layer needs; the Edge's policy is not part of it. Every value but
// MaxTLS, IdleTimeout, AnswerDelay, HangupAfter and AckTimeout must be set: their defaults are the
// configuration's (config.Default), and a second set here would drift from them.
type Config struct {
	Certificate       tls.Certificate
	RequireClientCert bool // refuse a TLS client without a certificate at the handshake, like the real Edge
	MinTLS, MaxTLS    uint16
	CipherSuites      []uint16 // TLS 1.0–1.2 suites; nil: Go's defaults
	HandshakeTimeout  time.Duration
	IdleTimeout       time.Duration
	MaxMessageBytes   int
	ServerHeader      string
	ContactHost       string // the Edge FQDN, used in Contact
	RTPPortLow        int
	RTPPortHigh       int
	AnswerDelay       time.Duration // ringing time before 200 OK
	HangupAfter       time.Duration // the Edge sends BYE after this long; 0: only the peer hangs up
	AckTimeout        time.Duration // how long to wait for the ACK of a final response; 0: 5s
	// MaxConnections and MaxConnectionsPerIP bound the open connections, in all and per source
	// address; the excess is closed right after accept. 0: unbounded.
	MaxConnections, MaxConnectionsPerIP int
	MessageTimeout                      time.Duration // a SIP message must arrive whole within this once begun; 0: unbounded
	MaxTransactions                     int           // new out-of-dialog transactions in flight; past it 503 + Retry-After. 0: unbounded
	DialogIdleTimeout                   time.Duration // the Edge hangs up a dialog without in-dialog requests this long
	DialogConnGrace                     time.Duration // a dialog whose peer's connection is gone this long is ended
	Logger                              zerolog.Logger
	// RecordRoute puts the Edge's own Record-Route, <sip:ContactHost:port;transport=tls;lr> with the
	// bound port, on dialog-forming answers.
	RecordRoute bool
	// Answer shapes the answering user's Contact, headers and SDP; the zero value is generic.
	Answer Answerer
	// Tap hears every connection's bytes and handshake, KeyLog receives the NSS key log; nil: off.
	Tap    Tap
	KeyLog io.Writer
	// Redial opens a new connection for the Edge's BYE when a dialog's connection is gone; nil: the
	// dialog ends without one.
	Redial Redialer
}

// defaultAckTimeout is the SIP layer's own: the configuration has no key for it.
const defaultAckTimeout = 5 * time.Second

// check refuses an incomplete configuration and fills what is the SIP layer's own to choose.
func (c *Config) check() error {
	switch {
	case c.Certificate.Certificate == nil:
		return errors.New("sipstack: the Edge needs a certificate")
	case c.MinTLS == 0:
		return errors.New("sipstack: no minimum TLS version")
	case c.HandshakeTimeout <= 0:
		return fmt.Errorf("sipstack: handshake timeout must be positive, got %s", c.HandshakeTimeout)
	case c.MaxMessageBytes <= 0:
		return fmt.Errorf("sipstack: maximum message size must be positive, got %d", c.MaxMessageBytes)
	case c.ServerHeader == "":
		return errors.New("sipstack: no Server header")
	case c.DialogIdleTimeout <= 0 || c.DialogConnGrace <= 0:
		return fmt.Errorf("sipstack: dialog bounds must be positive, got idle %s, connection grace %s", c.DialogIdleTimeout, c.DialogConnGrace)
	case c.RTPPortLow <= 0 || c.RTPPortHigh < c.RTPPortLow:
		return fmt.Errorf("sipstack: RTP ports %d-%d are not a range", c.RTPPortLow, c.RTPPortHigh)
	}
	if c.AckTimeout <= 0 {
		c.AckTimeout = defaultAckTimeout
	}
	return nil
}

// Server is the Edge's SIP listener.
type Server struct {
	cfg     Config
	dec     Decider
	log     zerolog.Logger
	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	cli     *sipgo.Client
	ln      *tlsListener
	port    int
	dialogs sync.Map // dialogKey → *dialog
	placed  sync.Map // dialogKey → *outboundCall: calls the Edge placed on connections of its own
	shed    *loadShedder
	invites sync.Map // inviteKey of the dialog-forming INVITE → *dialog, to spot its retransmissions
	rtp     *portAllocator
	work    sync.WaitGroup
	gate    sync.Mutex // orders work.Add against Close's Wait
	closing atomic.Bool
	closed  chan struct{}
	lean    *leanPath
	clock   dialogClock
}

// NewServer builds the SIP stack; Start binds it.
func NewServer(cfg Config, dec Decider) (*Server, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	slogger := slog.New(zerolog.NewSlogHandler(cfg.Logger.With().Str("component", "sipgo").Logger()))
	parser := sip.NewParser(sip.WithHeadersParsers(edgeHeaderParsers())) // lwsparams.go
	parser.MaxMessageLength = cfg.MaxMessageBytes
	ua, err := sipgo.NewUA(
		noLookups(),
		sipgo.WithUserAgent(cfg.ServerHeader),
		sipgo.WithUserAgentHostname(cfg.ContactHost),
		sipgo.WithUserAgentParser(parser),
		sipgo.WithUserAgentTransportLayerOptions(noDialing(), sip.WithTransportLayerLogger(slogger)),
		// A transaction whose connection dropped can never be ACKed or answered: end it at once
		// rather than holding a handler (and a graceful stop) until the ACK timer.
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(slogger), sip.WithTransactionLayerTerminateOnConnClose()),
	)
	if err != nil {
		return nil, fmt.Errorf("sipstack: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(slogger))
	if err != nil {
		return nil, fmt.Errorf("sipstack: %w", err)
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientLogger(slogger))
	if err != nil {
		return nil, fmt.Errorf("sipstack: %w", err)
	}
	s := &Server{cfg: cfg, dec: dec, log: cfg.Logger, ua: ua, srv: srv, cli: cli,
		rtp: newPortAllocator(cfg.RTPPortLow, cfg.RTPPortHigh), closed: make(chan struct{}),
		shed: &loadShedder{max: int64(cfg.MaxTransactions)}}
	s.routes()
	s.lean = newLeanPath(s, parser)
	s.clock.s = s
	return s, nil
}

// Listen binds addr (e.g. 127.0.0.1:0) and serves in the background until Close.
func (s *Server) Listen(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("sipstack: listen %s: %w", addr, err)
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	clientAuth := tls.RequestClientCert
	if s.cfg.RequireClientCert {
		clientAuth = tls.RequireAnyClientCert
	}
	// The chain is verified by the Edge's own rule after the handshake, so that a wrong name or an
	// untrusted root gets the Edge's 504 and ms-diagnostics rather than a bare TLS alert; only what a
	// HandshakeVerifier refuses (a client certificate without clientAuth) ends the handshake.
	conf := &tls.Config{
		Certificates: []tls.Certificate{s.cfg.Certificate},
		ClientAuth:   clientAuth,
		MinVersion:   s.cfg.MinTLS,
		MaxVersion:   s.cfg.MaxTLS,
		CipherSuites: s.cfg.CipherSuites,
		KeyLogWriter: s.cfg.KeyLog,
	}
	limit := newConnLimiter(s.cfg.MaxConnections, s.cfg.MaxConnectionsPerIP, s.log)
	s.ln = newTLSListener(l, conf, s.cfg.HandshakeTimeout, s.cfg.IdleTimeout, limit, s.log)
	s.ln.msgTimeout, s.ln.tap, s.ln.lean = s.cfg.MessageTimeout, s.cfg.Tap, s.lean
	if hv, ok := s.dec.(HandshakeVerifier); ok {
		s.ln.verify = hv.VerifyHandshake
	}
	go func() {
		if err := s.srv.ServeTLS(s.ln); err != nil && !s.closing.Load() {
			s.log.Error().Err(err).Msg("SIP listener stopped")
		}
	}()
	return nil
}

// OpenConnections is the number of accepted connections not yet closed.
func (s *Server) OpenConnections() int { return s.ln.limit.Open() }

// Addr is the bound listener address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops accepting, lets in-flight requests finish (bounded by ctx), then closes every connection.
func (s *Server) Close(ctx context.Context) error {
	s.gate.Lock()
	first := s.closing.CompareAndSwap(false, true)
	s.gate.Unlock()
	if !first {
		return nil
	}
	close(s.closed)
	var err error
	if s.ln != nil {
		err = s.ln.Close()
	}
	done := make(chan struct{})
	go func() { s.work.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.log.Warn().Msg("shutdown: in-flight transactions did not finish in time")
	}
	return errors.Join(err, s.ua.Close())
}

// recordRoute is the Edge's Record-Route entry: its FQDN and the port it listens on.
func (s *Server) recordRoute() string {
	return "<sip:" + s.cfg.ContactHost + ":" + strconv.Itoa(s.port) + ";transport=tls;lr>"
}

func (s *Server) contactValue() string {
	return "<sip:" + s.cfg.ContactHost + ":" + strconv.Itoa(s.port) + ";transport=tls>"
}

// ReadBufferSize is what sipgo reads each connection's plaintext into. sipgo's default (32 KiB) is
// held by every connection for its whole life, most of them idle between messages; its stream
// parser reassembles a message across reads and enforces edge.max_message_bytes on the whole, so
// a small buffer changes nothing on the wire. 4 KiB holds a typical INVITE with its SDP in one read
// and is what a bufio.Reader, the bare crypto/tls baseline of bench/idle.sh, holds.
const ReadBufferSize = 4096

// init sets the buffer before any connection can read: sipgo takes it from a package variable.
func init() { sip.TransportBufferReadSize = ReadBufferSize }
