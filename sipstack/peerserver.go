package sipstack

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/certs"
)

// PeerBehaviour is what the Expressway-E stand-in does when the Edge calls it.
type PeerBehaviour int

// Behaviours of the stand-in.
const (
	PeerAnswer   PeerBehaviour = iota // 180, then 200 OK with SDP; ACK and BYE complete the call
	PeerReject                        // a final Status/Reason, with ms-diagnostics when Diagnostics is set
	PeerSilent                        // reads the INVITE and never answers
	PeerGarbage                       // answers the INVITE with bytes that are not SIP
	PeerStallTLS                      // accepts TCP and never speaks TLS
	PeerResetTLS                      // accepts TCP, reads the ClientHello and resets the connection
	PeerRing                          // 180 Ringing, then nothing until the call is cancelled
)

// PeerConfig configures the stand-in. Only Certificate is required.
type PeerConfig struct {
	Certificate       tls.Certificate
	RequireClientCert bool   // refuse a handshake without a client certificate, as Expressway-E does
	MaxTLS            uint16 // 0: Go's default
	Behaviour         PeerBehaviour
	Status            int           // PeerReject; 0: 486 Busy Here
	Reason            string        // PeerReject
	Diagnostics       string        // PeerReject: an ms-diagnostics value; "" sends none
	RecordRoute       string        // PeerAnswer: Record-Route of the 200 OK, e.g. <sip:rr.unresolvable.test;lr>
	ByeAfter          time.Duration // PeerAnswer: hang up this long after the ACK; 0: the Edge hangs up
	// RingFor is how long PeerAnswer rings before the 200. sipgo hands each response to its own
	// goroutine, so a 180 sent right before the 200 may reach the caller after it and be dropped.
	RingFor time.Duration
	Logger  zerolog.Logger
}

// PeerRequest is one request the stand-in received.
type PeerRequest struct {
	Method     string
	CallID     string
	ClientCert string // the presented name of the certificate on the connection it came over
	Message    *Message
}

// PeerServer is a federated peer (an Expressway-E) listening on 127.0.0.1 for the Edge's calls.
// It records what reached it, so a test can tell a call that never left the Edge.
type PeerServer struct {
	cfg     PeerConfig
	tlsConf *tls.Config
	ln      net.Listener
	handoff *HandoffListener
	ua      *sipgo.UserAgent
	dua     *sipgo.DialogUA
	closed  chan struct{}
	wg      sync.WaitGroup

	mu       sync.Mutex
	accepted int
	certs    map[string]string // remote address → client certificate name
	requests []PeerRequest
	dialogs  map[string]*sipgo.DialogServerSession
	handed   []net.Conn // connections given to sipgo, closed by Close
	handlers HandlerGroup
	changed  chan struct{} // closed and replaced whenever requests grows
}

// StartPeer listens on 127.0.0.1:0 and serves until Close.
func StartPeer(cfg PeerConfig) (*PeerServer, error) {
	if cfg.Certificate.Certificate == nil {
		return nil, errors.New("sipstack: the peer needs a certificate")
	}
	if cfg.Status == 0 {
		cfg.Status, cfg.Reason = 486, "Busy Here"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sipstack: peer listen: %w", err)
	}
	p := &PeerServer{cfg: cfg, ln: ln, handoff: NewHandoffListener(ln.Addr()), closed: make(chan struct{}),
		certs: map[string]string{}, dialogs: map[string]*sipgo.DialogServerSession{}, changed: make(chan struct{})}
	p.tlsConf = &tls.Config{Certificates: []tls.Certificate{cfg.Certificate}, MaxVersion: cfg.MaxTLS, ClientAuth: tls.RequestClientCert}
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

func (p *PeerServer) startSIP() error {
	sl := slog.New(zerolog.NewSlogHandler(p.cfg.Logger.With().Str("component", "peer-sipgo").Logger()))
	ua, err := sipgo.NewUA(sipgo.WithUserAgent(peerServerHeader), sipgo.WithUserAgentHostname(p.fqdn()),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(sl)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(sl)))
	if err != nil {
		return fmt.Errorf("sipstack: peer: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(sl))
	if err != nil {
		_ = ua.Close()
		return fmt.Errorf("sipstack: peer: %w", err)
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientLogger(sl), sipgo.WithClientHostname(p.fqdn()))
	if err != nil {
		_ = ua.Close()
		return fmt.Errorf("sipstack: peer: %w", err)
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
	go func() { _ = srv.ServeTLS(p.handoff) }()
	return nil
}

func (p *PeerServer) fqdn() string {
	if c := p.cfg.Certificate.Leaf; c != nil {
		if n := certs.PresentedName(c); n != "" {
			return n
		}
	}
	return "vcse.peer.test"
}

// Addr is the bound address; the SRV record's port.
func (p *PeerServer) Addr() netip.AddrPort { return p.ln.Addr().(*net.TCPAddr).AddrPort() }

// Accepted counts TCP connections, TLS or not.
func (p *PeerServer) Accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// Requests is everything that arrived, in order.
func (p *PeerServer) Requests() []PeerRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]PeerRequest(nil), p.requests...)
}

// WaitRequest waits until a request of that method has arrived, up to timeout.
func (p *PeerServer) WaitRequest(method string, timeout time.Duration) (PeerRequest, bool) {
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
			return PeerRequest{}, false
		}
	}
}

// Close stops listening and drops every connection.
func (p *PeerServer) Close() error {
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
	DrainConns(p.ua, handed)
	p.handlers.Wait()
	return errors.Join(err, p.ua.Close())
}

func (p *PeerServer) acceptLoop() {
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

func (p *PeerServer) serve(c net.Conn) {
	switch p.cfg.Behaviour {
	case PeerStallTLS:
		<-p.closed
		_ = c.Close()
		return
	case PeerResetTLS:
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
	case PeerSilent, PeerGarbage, PeerReject:
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

// serveRaw reads requests off the connection without sipgo, so it can stay silent or lie, and so
// the ACK of a rejection is seen for sure (sipgo's transaction may end before it hands the ACK on).
func (p *PeerServer) serveRaw(tc *tls.Conn) {
	defer tc.Close()
	go func() { <-p.closed; _ = tc.Close() }()
	r := bufio.NewReader(tc)
	parser := sip.NewParser()
	for {
		raw, err := readRawMessage(r)
		if err != nil {
			return
		}
		msg, err := parser.ParseSIP(raw)
		if err != nil {
			return
		}
		req, ok := msg.(*sip.Request)
		if !ok {
			continue
		}
		req.SetSource(tc.RemoteAddr().String())
		p.record(req)
		if !req.IsInvite() {
			continue
		}
		switch p.cfg.Behaviour {
		case PeerGarbage:
			_, _ = tc.Write([]byte("\x16\x03\x01 this is not SIP \xff\xfe\r\n\r\n"))
		case PeerReject:
			_, _ = tc.Write([]byte(p.rejection(req).String()))
		}
	}
}

// readRawMessage reads one message framed by Content-Length, as a stream transport must.
func readRawMessage(r *bufio.Reader) ([]byte, error) {
	var buf bytes.Buffer
	length := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		buf.WriteString(line)
		t := strings.TrimRight(line, "\r\n")
		if t == "" {
			if buf.Len() == len(line) {
				buf.Reset() // keep-alive CRLF between messages
				continue
			}
			break
		}
		if k, v, ok := strings.Cut(t, ":"); ok && (strings.EqualFold(strings.TrimSpace(k), "Content-Length") || strings.TrimSpace(k) == "l") {
			length, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	if length < 0 || length > sip.ParseMaxMessageLength {
		return nil, fmt.Errorf("stand-in: Content-Length %d out of range", length)
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	buf.Write(body)
	return buf.Bytes(), nil
}

func (p *PeerServer) record(req *sip.Request) {
	r := PeerRequest{Method: string(req.Method), ClientCert: p.certName(req.Source()), Message: MessageOf(req)}
	if c := req.CallID(); c != nil {
		r.CallID = c.Value()
	}
	p.add(r)
}

func (p *PeerServer) add(r PeerRequest) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = append(p.requests, r)
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *PeerServer) certName(source string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.certs[source]
}

func (p *PeerServer) dialog(req *sip.Request) *sipgo.DialogServerSession {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := req.CallID(); c != nil {
		return p.dialogs[c.Value()]
	}
	return nil
}

// rejection is the peer's failure answer, laid out as an Expressway sends one.
func (p *PeerServer) rejection(req *sip.Request) *sip.Response {
	res := sip.NewResponseFromRequest(req, p.cfg.Status, p.cfg.Reason, nil)
	if to := res.To(); to != nil && !to.Params.Has("tag") {
		to.Params.Add("tag", sip.GenerateTagN(16))
	}
	if p.cfg.Diagnostics != "" {
		res.AppendHeader(sip.NewHeader("ms-diagnostics", p.cfg.Diagnostics))
	}
	res.AppendHeader(sip.NewHeader("Server", peerServerHeader))
	return res
}

const peerServerHeader = "TANDBERG/4352 (X14.0)"

func (p *PeerServer) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	p.record(req)
	d, err := p.dua.ReadInvite(req, tx)
	if err != nil {
		return
	}
	defer d.Close()
	_ = d.Respond(180, "Ringing", nil)
	if p.cfg.Behaviour == PeerRing {
		select { // sipgo answers a CANCEL itself: 200 to it, 487 to the INVITE
		case <-d.Context().Done():
		case <-p.closed:
		}
		return
	}
	body, err := AnswerSDP(req.Body(), net.IPv4(127, 0, 0, 1), 52000)
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
