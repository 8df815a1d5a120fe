package sipstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/rs/zerolog"
)

// Invite is the INVITE the Edge sends on behalf of a Skype user. The zero values of the optional
// fields give a generic INVITE; the Edge fills them from its client profile.
type Invite struct {
	From, To string // SIP URIs as given; To is also the Request-URI
	CallID   string // "" → random
	CSeq     uint32 // 0 → 1
	SDP      []byte // nil → a PCMU/PCMA/telephone-event offer on our address
	// ContentType of SDP; "" → application/sdp.
	ContentType string
	// FromTag and FromParams complete the From header; "" → a random tag.
	FromTag    string
	FromParams [][2]string
	// Via is the sent-by of the Edge's Via, host:port; "" → the connection's local address.
	Via string
	// RecordRoute is the Edge's own Record-Route value; it is also stripped from the route set the
	// answer builds, since the Edge is the first hop of its own in-dialog requests.
	RecordRoute string
	// Contact replaces the Edge's own Contact (a Skype client's GRUU).
	Contact string
	// Headers follow the mandatory ones, in order.
	Headers []Header
}

// CallOptions bound and observe a call.
type CallOptions struct {
	AnswerTimeout time.Duration    // until the final response; 0: 10s
	Hold          time.Duration    // between our ACK and our BYE
	ByeTimeout    time.Duration    // for the BYE's answer (and a CANCEL's); 0: 2s
	OnSent        func(m *Message) // each request we send: INVITE, ACK, BYE, CANCEL
	OnReceived    func(m *Message) // each response, and the peer's BYE
	// IM, when set, is sent as a MESSAGE inside the dialog once it is ACKed, as Lync's IM sessions do.
	IM string
	// Redial opens a new connection to the dialog's next hop for the Edge's in-dialog requests once
	// the call's connection is gone; nil: those requests fail with the connection.
	Redial Redialer
	// Listener, when set, is the Edge's own listener: the far end's BYE may reach the call there, on
	// a new connection to the Edge's Record-Route, as well as on the call's own connection.
	Listener *Server
}

// OutcomeKind is how a call that left the Edge ended.
type OutcomeKind int

// Outcomes of a call.
const (
	OutcomeAnswered OutcomeKind = iota + 1 // 2xx, ACKed, held, hung up
	OutcomeRejected                        // a final non-2xx answer
	OutcomeNoAnswer                        // no final answer within AnswerTimeout
	OutcomeConnLost                        // the connection ended first: garbage, reset, TLS alert
)

func (k OutcomeKind) String() string {
	return [...]string{"", "answered", "rejected", "no answer", "connection lost"}[k]
}

// Outcome is what happened after the INVITE went out.
type Outcome struct {
	Kind      OutcomeKind
	Invite    *Message
	Final     *Message // the final response; nil for NoAnswer and ConnLost
	EndedBy   string   // answered calls: "edge" or "peer"
	ByeStatus int      // the answer to our BYE; 0 when none came
	IMStatus  int      // the answer to the MESSAGE of CallOptions.IM; 0 when none came
	Err       error    // why NoAnswer or ConnLost, or what went wrong with ACK/BYE
	ConnErr   error    // the read error that ended the connection, e.g. a TLS alert
}

// Call sends the INVITE over this connection and sees the call through. The connection belongs to
// the call from here on and is closed when Call returns. An error means the INVITE was never sent.
func (c *PeerConn) Call(ctx context.Context, inv Invite, opts CallOptions) (*Outcome, error) {
	opts.fill()
	defer c.Close()
	req, err := c.buildInvite(inv)
	if err != nil {
		return nil, err
	}
	cc := &clientCall{conn: c, opts: opts, peerBye: make(chan struct{}), via: inv.Via, ownRR: inv.RecordRoute}
	att, err := c.attach(ctx, &cc.handlers, func(srv *sipgo.Server) { srv.OnBye(cc.handlers.Wrap(cc.onBye)) })
	if err != nil {
		return nil, err
	}
	defer att.close()
	cc.att, cc.wc, cc.cli = att, att.wc, att.cli
	return cc.run(ctx, req)
}

func (o *CallOptions) fill() {
	if o.AnswerTimeout <= 0 {
		o.AnswerTimeout = 10 * time.Second
	}
	if o.ByeTimeout <= 0 {
		o.ByeTimeout = 2 * time.Second
	}
	if o.OnSent == nil {
		o.OnSent = func(*Message) {}
	}
	if o.OnReceived == nil {
		o.OnReceived = func(*Message) {}
	}
}

// attached is a sipgo user agent that owns this connection for one exchange.
type attached struct {
	cli   *sipgo.Client
	wc    *watchedConn
	ln    *HandoffListener
	mu    sync.Mutex
	conns []net.Conn // wc and the connections adopted since; under mu
	close func()     // closes the connections, waits for sipgo's readers and the handlers, ends the UA
}

// attach hands the checked connection to a fresh sipgo user agent, with handlers registered first
// so that nothing the peer sends arrives unheard.
func (c *PeerConn) attach(ctx context.Context, hg *HandlerGroup, register func(*sipgo.Server)) (*attached, error) {
	ua, cli, srv, err := c.newUA()
	if err != nil {
		return nil, err
	}
	wc := &watchedConn{Conn: c.plain()}
	ln := NewHandoffListener(c.conn.LocalAddr())
	a := &attached{cli: cli, wc: wc, ln: ln, conns: []net.Conn{wc}}
	a.close = func() {
		_ = ln.Close()
		a.mu.Lock()
		conns := a.conns
		a.mu.Unlock()
		DrainConns(ua, conns)
		hg.Wait()
		_ = ua.Close()
	}
	register(srv)
	go func() { _ = ua.TransportLayer().ServeTLS(ln) }()
	if err := ln.Hand(ctx, wc, true); err != nil {
		a.close()
		return nil, fmt.Errorf("sipstack: hand the connection to sipgo: %w", err)
	}
	return a, nil
}

var errNoDNS = errors.New("sipstack: the outbound call resolves nothing itself")

// newUA builds a user agent for one call. It never dials (the connection is handed in, a new one
// comes from CallOptions.Redial) and never resolves; TerminateOnConnClose ends a transaction at
// once when the peer drops the connection.
func (c *PeerConn) newUA() (*sipgo.UserAgent, *sipgo.Client, *sipgo.Server, error) {
	lg := c.cfg.Logger
	if lg.GetLevel() > zerolog.DebugLevel {
		// sipgo warns about routine teardown (TCP ref counts); only its errors help a reader.
		lg = lg.Level(max(lg.GetLevel(), zerolog.ErrorLevel))
	}
	sl := slog.New(zerolog.NewSlogHandler(lg.With().Str("component", "sipgo").Logger()))
	noDNS := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) { return nil, errNoDNS }}
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent(c.cfg.userAgent()),
		sipgo.WithUserAgentHostname(c.cfg.ContactHost),
		sipgo.WithUserAgentDNSResolver(noDNS),
		sipgo.WithUserAgenTLSConfig(c.cfg.tlsConfig(c.conn.ConnectionState().ServerName)),
		// Nor does it dial: a new connection is the Redialer's, for an in-dialog request toward its hop.
		sipgo.WithUserAgentTransportLayerOptions(noDialing(), sip.WithTransportLayerLogger(sl)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(sl), sip.WithTransactionLayerTerminateOnConnClose(),
			// The 487 to a cancelled INVITE arrives after we let its transaction go.
			sip.WithTransactionLayerUnhandledResponseHandler(func(r *sip.Response) {
				lg.Debug().Str("response", r.StartLine()).Msg("late response ignored")
			})),
	)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("sipstack: %w", err)
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientLogger(sl), sipgo.WithClientHostname(c.cfg.ContactHost))
	if err != nil {
		_ = ua.Close()
		return nil, nil, nil, fmt.Errorf("sipstack: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(sl))
	if err != nil {
		_ = ua.Close()
		return nil, nil, nil, fmt.Errorf("sipstack: %w", err)
	}
	return ua, cli, srv, nil
}

func (cfg ClientConfig) userAgent() string {
	if cfg.UserAgent == "" {
		return defaultUserAgent
	}
	return cfg.UserAgent
}

// clientCall is one INVITE dialog from the Edge's side.
type clientCall struct {
	conn     *PeerConn
	att      *attached
	wc       *watchedConn // the dialog's live connection: the call's own, or the latest redialled
	cli      *sipgo.Client
	opts     CallOptions
	mu       sync.Mutex
	sess     *sipgo.DialogClientSession
	peerBye  chan struct{}
	byeOnce  sync.Once
	handlers HandlerGroup
	via      string // the Edge's sent-by for its in-dialog requests; "" lets sipgo choose
	ownRR    string // the Edge's own Record-Route, which its in-dialog requests skip
	dst      string // where in-dialog requests go while wc lives: the address wc is connected to
	target   sip.Uri
}

func (cc *clientCall) run(ctx context.Context, req *sip.Request) (*Outcome, error) {
	// Every in-dialog request gets its destination from cc.route, never from sipgo's rewrite.
	dua := &sipgo.DialogUA{Client: cc.cli, ContactHDR: sip.ContactHeader{Address: sip.Uri{
		Scheme: "sip", Host: cc.conn.cfg.ContactHost, UriParams: sip.HeaderParams{{K: "transport", V: "tls"}}}}}
	out := &Outcome{}
	sess, err := dua.WriteInvite(ctx, req)
	if err != nil {
		out.Kind, out.Err, out.ConnErr = OutcomeConnLost, err, cc.wc.err()
		return out, nil
	}
	defer sess.Close()
	cc.mu.Lock()
	cc.sess = sess
	cc.mu.Unlock()
	out.Invite = MessageOf(req)
	cc.opts.OnSent(out.Invite)

	provisional, err := cc.waitAnswer(ctx, sess)
	var dr *sipgo.ErrDialogResponse
	switch {
	case errors.As(err, &dr):
		out.Kind, out.Final = OutcomeRejected, MessageOf(dr.Res)
	case errors.Is(err, ErrAnswerTimeout), ctx.Err() != nil:
		out.Kind, out.Err = OutcomeNoAnswer, err
		if provisional {
			cc.cancel(req)
		}
	case err != nil:
		out.Kind, out.Err, out.ConnErr = OutcomeConnLost, err, cc.wc.err()
	default:
		out.Kind, out.Final = OutcomeAnswered, MessageOf(sess.InviteResponse)
		dropRecordRoute(sess.InviteResponse, cc.ownRR)
		cc.complete(ctx, sess, out)
	}
	return out, nil
}

// ErrAnswerTimeout ends a call whose far end sent no final answer within CallOptions.AnswerTimeout.
var ErrAnswerTimeout = errors.New("no final answer in time")

// waitAnswer bounds sipgo's WaitAnswer by our own timer. Forcing the cancel cause keeps sipgo from
// waiting out Timer_B (32 s) for a provisional response before it would send CANCEL itself.
func (cc *clientCall) waitAnswer(ctx context.Context, sess *sipgo.DialogClientSession) (provisional bool, err error) {
	wctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	timedOut := make(chan struct{})
	t := time.AfterFunc(cc.opts.AnswerTimeout, func() { close(timedOut); cancel(sipgo.WaitAnswerForceCancelErr) })
	defer t.Stop()
	stop := context.AfterFunc(ctx, func() { cancel(sipgo.WaitAnswerForceCancelErr) })
	defer stop()
	err = sess.WaitAnswer(wctx, sipgo.AnswerOptions{OnResponse: func(r *sip.Response) error {
		provisional = provisional || r.IsProvisional()
		cc.opts.OnReceived(MessageOf(r))
		return nil
	}})
	if err != nil && wctx.Err() != nil {
		select {
		case <-timedOut:
			return provisional, fmt.Errorf("%w (%s)", ErrAnswerTimeout, cc.opts.AnswerTimeout)
		default:
			return provisional, ctx.Err()
		}
	}
	return provisional, err
}

// complete ACKs the 2xx, holds the call and hangs up. ACK, MESSAGE and BYE carry the route set
// and go over the connection the 2xx came on while it lives, else over a new one (cc.route).
func (cc *clientCall) complete(ctx context.Context, sess *sipgo.DialogClientSession, out *Outcome) {
	res := sess.InviteResponse
	target := sess.InviteRequest.Recipient
	if ct := res.Contact(); ct != nil {
		target = ct.Address
	}
	cc.dst, cc.target = res.Source(), target
	defer cc.hearListener(sess)() // before the ACK: the far end may hang up as soon as it has it
	ack := sip.NewRequest(sip.ACK, *target.Clone())
	cc.addVia(ack)
	if err := cc.route(ctx, ack); err != nil {
		out.Err = fmt.Errorf("ACK: %w", err)
		return
	}
	if err := sess.WriteAck(ctx, ack); err != nil {
		out.Err = fmt.Errorf("ACK: %w", err)
		return
	}
	cc.opts.OnSent(MessageOf(ack))
	if cc.opts.IM != "" {
		cc.sendIM(ctx, sess, target, out)
	}
	select {
	case <-time.After(cc.opts.Hold):
	case <-cc.peerBye:
		out.EndedBy = "peer"
		return
	case <-ctx.Done():
	}
	out.EndedBy = "edge"
	bye := sip.NewRequest(sip.BYE, *target.Clone())
	cc.addVia(bye)
	bctx, cancel := context.WithTimeout(context.Background(), cc.opts.ByeTimeout)
	defer cancel()
	if err := cc.route(bctx, bye); err != nil {
		out.Err = fmt.Errorf("BYE: %w", err)
		return
	}
	err := sess.WriteBye(bctx, bye)
	cc.opts.OnSent(MessageOf(bye))
	var dr sipgo.ErrDialogResponse
	switch {
	case err == nil:
		out.ByeStatus = 200
	case errors.As(err, &dr):
		out.ByeStatus, out.Err = dr.Res.StatusCode, fmt.Errorf("BYE answered %d %s", dr.Res.StatusCode, dr.Res.Reason)
	default:
		out.Err = fmt.Errorf("BYE: %w", err)
	}
}

// cancel withdraws an INVITE the peer has seen but not answered, briefly: the caller's time is up.
func (cc *clientCall) cancel(inv *sip.Request) {
	c := sip.NewRequest(sip.CANCEL, *inv.Recipient.Clone())
	c.AppendHeader(sip.HeaderClone(inv.Via()))
	c.AppendHeader(sip.HeaderClone(inv.From()))
	c.AppendHeader(sip.HeaderClone(inv.To()))
	c.AppendHeader(sip.HeaderClone(inv.CallID()))
	c.AppendHeader(&sip.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: sip.CANCEL})
	mf := sip.MaxForwardsHeader(70)
	c.AppendHeader(&mf)
	c.SetBody(nil)
	c.SetTransport(inv.Transport())
	c.SetDestination(inv.Destination())
	ctx, done := context.WithTimeout(context.Background(), cc.opts.ByeTimeout)
	defer done()
	asBuilt := func(*sipgo.Client, *sip.Request) error { return nil }
	if _, err := cc.cli.Do(ctx, c, asBuilt); err == nil {
		cc.opts.OnSent(MessageOf(c))
	}
}
