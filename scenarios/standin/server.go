package standin

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/sipstack"
)

// Behaviour is what the Expressway-E stand-in does when the Edge calls it.
type Behaviour int

// Behaviours of the stand-in.
const (
	Answer   Behaviour = iota // 180, then 200 OK with SDP; ACK and BYE complete the call
	Reject                    // a final Status/Reason, with ms-diagnostics when Diagnostics is set
	Silent                    // reads the INVITE and never answers
	Garbage                   // answers the INVITE with bytes that are not SIP
	StallTLS                  // accepts TCP and never speaks TLS
	ResetTLS                  // accepts TCP, reads the ClientHello and resets the connection
	Ring                      // 180 Ringing, then nothing until the call is cancelled
)

// ServerConfig configures the stand-in. Only Certificate is required.
type ServerConfig struct {
	Certificate       tls.Certificate
	RequireClientCert bool   // refuse a handshake without a client certificate, as Expressway-E does
	MaxTLS            uint16 // 0: Go's default
	MinTLS            uint16 // 0: Go's default
	Behaviour         Behaviour
	Status            int           // Reject; 0: 486 Busy Here
	Reason            string        // Reject
	Diagnostics       string        // Reject: an ms-diagnostics value; "" sends none
	RecordRoute       string        // Answer: Record-Route of the 200 OK, e.g. <sip:rr.unresolvable.test;lr>
	ByeAfter          time.Duration // Answer: hang up this long after the ACK; 0: the Edge hangs up
	// RingFor is how long Answer rings before the 200. sipgo hands each response to its own
	// goroutine, so a 180 sent right before the 200 may reach the caller after it and be dropped.
	RingFor time.Duration
	Logger  zerolog.Logger
}

// Request is one request the stand-in received.
type Request struct {
	Method     string
	CallID     string
	ClientCert string // the presented name of the certificate on the connection it came over
	Message    *sipstack.Message
}

// Server is the Expressway-E stand-in for the outbound direction: it listens on 127.0.0.1 for the
// Edge's calls and records what reached it, so a test can tell a call that never left the Edge.
type Server struct {
	cfg     ServerConfig
	tlsConf *tls.Config
	ln      net.Listener
	handoff *sipstack.HandoffListener
	ua      *sipgo.UserAgent
	dua     *sipgo.DialogUA
	closed  chan struct{}
	wg      sync.WaitGroup

	mu       sync.Mutex
	accepted int
	certs    map[string]string // remote address → client certificate name
	requests []Request
	dialogs  map[string]*sipgo.DialogServerSession
	handed   []net.Conn // connections given to sipgo, closed by Close
	handlers sipstack.HandlerGroup
	changed  chan struct{} // closed and replaced whenever requests grows
}

// Start listens on 127.0.0.1:0 and serves until Close.
func Start(cfg ServerConfig) (*Server, error) {
	if cfg.Certificate.Certificate == nil {
		return nil, errors.New("standin: the server needs a certificate")
	}
	if cfg.Status == 0 {
		cfg.Status, cfg.Reason = 486, "Busy Here"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("standin: listen: %w", err)
	}
	p := &Server{cfg: cfg, ln: ln, handoff: sipstack.NewHandoffListener(ln.Addr()), closed: make(chan struct{}),
		certs: map[string]string{}, dialogs: map[string]*sipgo.DialogServerSession{}, changed: make(chan struct{})}
	p.tlsConf = &tls.Config{Certificates: []tls.Certificate{cfg.Certificate}, MinVersion: cfg.MinTLS, MaxVersion: cfg.MaxTLS, ClientAuth: tls.RequestClientCert}
	if cfg.RequireClientCert {
		p.tlsConf.ClientAuth = tls.RequireAnyClientCert
	}
	if err := p.startSIP(); err != nil {
		_ = ln.Close()
		return nil, err
	}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

func (p *Server) startSIP() error {
	sl := slog.New(zerolog.NewSlogHandler(p.cfg.Logger.With().Str("component", "peer-sipgo").Logger()))
	ua, err := sipgo.NewUA(sipgo.WithUserAgent(peerServerHeader), sipgo.WithUserAgentHostname(p.fqdn()),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(sl)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(sl)))
	if err != nil {
		return fmt.Errorf("standin: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(sl))
	if err != nil {
		_ = ua.Close()
		return fmt.Errorf("standin: %w", err)
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientLogger(sl), sipgo.WithClientHostname(p.fqdn()))
	if err != nil {
		_ = ua.Close()
		return fmt.Errorf("standin: %w", err)
	}
	p.ua = ua
	p.dua = &sipgo.DialogUA{Client: cli, RewriteContact: true, ContactHDR: sip.ContactHeader{Address: sip.Uri{
		Scheme: "sip", Host: p.fqdn(), Port: int(p.Addr().Port()), UriParams: sip.HeaderParams{{K: "transport", V: "tls"}}}}}
	h := p.handlers.Wrap
	srv.OnInvite(h(p.onInvite))
	srv.OnAck(h(func(req *sip.Request, tx sip.ServerTransaction) {
		p.record(req)
		if d := p.dialog(req); d != nil {
			_ = d.ReadAck(req, tx)
		}
	}))
	srv.OnBye(h(func(req *sip.Request, tx sip.ServerTransaction) {
		p.record(req)
		if d := p.dialog(req); d == nil || d.ReadBye(req, tx) != nil {
			_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		}
	}))
	srv.OnCancel(h(func(req *sip.Request, tx sip.ServerTransaction) { p.record(req) }))
	srv.OnSubscribe(h(p.onSubscribe))
	srv.OnMessage(h(p.onMessage))
	go func() { _ = srv.ServeTLS(p.handoff) }()
	return nil
}

func (p *Server) fqdn() string {
	if c := p.cfg.Certificate.Leaf; c != nil {
		if n := certs.PresentedName(c); n != "" {
			return n
		}
	}
	return "vcse.peer.test"
}

// Addr is the bound address; the SRV record's port.
func (p *Server) Addr() netip.AddrPort { return p.ln.Addr().(*net.TCPAddr).AddrPort() }

// Accepted counts TCP connections, TLS or not.
func (p *Server) Accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// Requests is everything that arrived, in order.
func (p *Server) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Request(nil), p.requests...)
}

// WaitRequest waits until a request of that method has arrived, up to timeout.
func (p *Server) WaitRequest(method string, timeout time.Duration) (Request, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		for _, r := range p.requests {
			if r.Method == method {
				p.mu.Unlock()
				return r, true
			}
		}
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			return Request{}, false
		}
	}
}

// Close stops listening and drops every connection.
func (p *Server) Close() error {
	select {
	case <-p.closed:
		return nil
	default:
	}
	close(p.closed)
	err := p.ln.Close()
	_ = p.handoff.Close()
	p.wg.Wait()
	p.mu.Lock()
	handed := p.handed
	p.mu.Unlock()
	sipstack.DrainConns(p.ua, handed)
	p.handlers.Wait()
	return errors.Join(err, p.ua.Close())
}

func (p *Server) acceptLoop() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.accepted++
		p.mu.Unlock()
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.serve(c)
		}()
	}
}

func (p *Server) serve(c net.Conn) {
	switch p.cfg.Behaviour {
	case StallTLS:
		<-p.closed
		_ = c.Close()
		return
	case ResetTLS:
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _ = c.Read(make([]byte, 512))
		_ = c.(*net.TCPConn).SetLinger(0) // close with RST, as a middlebox killing TLS does
		_ = c.Close()
		return
	}
	tc := tls.Server(c, p.tlsConf)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	err := tc.HandshakeContext(ctx)
	cancel()
	if err != nil {
		p.cfg.Logger.Debug().Err(err).Msg("peer: TLS handshake failed")
		_ = c.Close()
		return
	}
	name := ""
	if pc := tc.ConnectionState().PeerCertificates; len(pc) > 0 {
		name = certs.PresentedName(pc[0])
	}
	p.mu.Lock()
	p.certs[c.RemoteAddr().String()] = name
	p.mu.Unlock()
	switch p.cfg.Behaviour {
	case Silent, Garbage, Reject:
		p.serveRaw(tc)
	default:
		p.mu.Lock()
		p.handed = append(p.handed, tc)
		p.mu.Unlock()
		if p.handoff.Hand(context.Background(), tc, false) != nil {
			_ = tc.Close()
		}
	}
}

func (p *Server) record(req *sip.Request) {
	r := Request{Method: string(req.Method), ClientCert: p.certName(req.Source()), Message: sipstack.MessageOf(req)}
	if c := req.CallID(); c != nil {
		r.CallID = c.Value()
	}
	p.add(r)
}

func (p *Server) add(r Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = append(p.requests, r)
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *Server) certName(source string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.certs[source]
}

func (p *Server) dialog(req *sip.Request) *sipgo.DialogServerSession {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := req.CallID(); c != nil {
		return p.dialogs[c.Value()]
	}
	return nil
}

const peerServerHeader = "TANDBERG/4352 (X14.0)"

func (p *Server) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	p.record(req)
	d, err := p.dua.ReadInvite(req, tx)
	if err != nil {
		return
	}
	defer d.Close()
	_ = d.Respond(180, "Ringing", nil)
	if p.cfg.Behaviour == Ring {
		select { // sipgo answers a CANCEL itself: 200 to it, 487 to the INVITE
		case <-d.Context().Done():
		case <-p.closed:
		}
		return
	}
	body, err := sipstack.AnswerSDP(req.Body(), net.IPv4(127, 0, 0, 1), 52000)
	if isMessageSession(req.Body()) {
		body, err = messageSessionAnswer, nil
	}
	if err != nil {
		_ = d.Respond(488, "Not Acceptable Here", nil)
		return
	}
	select {
	case <-time.After(p.cfg.RingFor):
	case <-d.Context().Done():
		return
	case <-p.closed:
		return
	}
	hdrs := []sip.Header{sip.NewHeader("Content-Type", "application/sdp")}
	if p.cfg.RecordRoute != "" {
		hdrs = append(hdrs, sip.NewHeader("Record-Route", p.cfg.RecordRoute))
	}
	p.mu.Lock()
	p.dialogs[req.CallID().Value()] = d
	p.mu.Unlock()
	if err := d.Respond(200, "OK", body, hdrs...); err != nil {
		return
	}
	if p.cfg.ByeAfter > 0 {
		select {
		case <-time.After(p.cfg.ByeAfter):
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = d.Bye(ctx)
		case <-d.Context().Done():
		case <-p.closed:
		}
		return
	}
	select {
	case <-d.Context().Done():
	case <-p.closed:
	}
}
