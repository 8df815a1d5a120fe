package regress

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/sipstack"
)

// tokenHeader carries a case's token through the Expressway, for correlation when the plan's own
// URIs hold none; a proxy passes unknown headers on.
const tokenHeader = "X-Edgesim-Regress"

// ucSide is edgesim's UC side: one user agent that listens where the Expressway sends UC-bound
// requests (the answerer) and sends the UC-side caller's requests into the Expressway's entry
// point. One agent serves both so in-dialog requests for the caller (NOTIFY, BYE) reach it too.
type ucSide struct {
	ua        *sipgo.UserAgent
	cli       *sipgo.Client
	srv       *sipgo.Server
	contact   sip.Uri
	transport string // of the answerer's listener
	cancel    context.CancelFunc
	done      chan struct{}

	mu       sync.Mutex
	requests []ucRequest
	answer   int // the final status for INVITE, MESSAGE and SUBSCRIBE; 0: 200
	dialogs  *sipgo.DialogServerCache
	hold     time.Duration
}

// ucRequest is one request that reached the UC side.
type ucRequest struct {
	Method    string `json:"method"`
	StartLine string `json:"start_line"`
	CallID    string `json:"call_id"`
	Raw       string `json:"raw"`
}

// startUC listens on the answerer's address; tlsConf is the caller's TLS towards the entry point.
func startUC(a Answerer, tlsConf *tls.Config, hold time.Duration, log zerolog.Logger) (*ucSide, error) {
	host, portText, err := net.SplitHostPort(a.Listen)
	if err != nil {
		return nil, fmt.Errorf("uc answerer: %w", err)
	}
	port, _ := strconv.Atoi(portText)
	sl := slog.New(zerolog.NewSlogHandler(log.With().Str("component", "uc").Logger()))
	opts := []sipgo.UserAgentOption{sipgo.WithUserAgent("edgesim-regress UC"), sipgo.WithUserAgentHostname(host),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(sl)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(sl))}
	if tlsConf != nil {
		opts = append(opts, sipgo.WithUserAgenTLSConfig(tlsConf))
	}
	ua, err := sipgo.NewUA(opts...)
	if err != nil {
		return nil, fmt.Errorf("uc: %w", err)
	}
	u := &ucSide{ua: ua, transport: a.Transport, hold: hold, done: make(chan struct{}),
		contact: sip.Uri{Scheme: "sip", User: "uc", Host: host, Port: port, UriParams: sip.HeaderParams{{K: "transport", V: a.Transport}}}}
	if u.cli, err = sipgo.NewClient(ua, sipgo.WithClientLogger(sl), sipgo.WithClientHostname(host)); err == nil {
		u.srv, err = sipgo.NewServer(ua, sipgo.WithServerLogger(sl))
	}
	if err != nil {
		_ = ua.Close()
		return nil, fmt.Errorf("uc: %w", err)
	}
	u.dialogs = sipgo.NewDialogServerCache(u.cli, sip.ContactHeader{Address: u.contact})
	u.handlers()
	ln, err := listen(a.Transport, a.Listen)
	if err != nil {
		_ = ua.Close()
		return nil, fmt.Errorf("uc answerer on %s: %w", a.Listen, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	u.cancel = cancel
	go func() {
		defer close(u.done)
		if pc, ok := ln.(net.PacketConn); ok {
			_ = u.srv.ServeUDP(pc)
			return
		}
		_ = u.srv.ServeTCP(ln.(net.Listener))
	}()
	go func() { <-ctx.Done(); _ = ln.(interface{ Close() error }).Close() }()
	return u, nil
}

func listen(transport, addr string) (any, error) {
	if transport == "udp" {
		return net.ListenPacket("udp", addr)
	}
	return net.Listen("tcp", addr)
}

func (u *ucSide) handlers() {
	u.srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
		u.note(req)
		d, err := u.dialogs.ReadInvite(req, tx)
		if err != nil {
			return
		}
		defer d.Close()
		if st := u.finalStatus(); st != 200 {
			_ = d.Respond(st, sipstack.ReasonPhrase(st), nil)
			return
		}
		if d.Respond(200, "OK", []byte(answerSDP), sip.NewHeader("Content-Type", "application/sdp")) != nil {
			return
		}
		// Keep the dialog until the Edge's BYE, bounded so a lost BYE cannot hold the answerer.
		select {
		case <-d.Context().Done():
		case <-time.After(u.hold):
		}
	})
	u.srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) { _ = u.dialogs.ReadAck(req, tx) })
	u.srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		u.note(req)
		if u.dialogs.ReadBye(req, tx) != nil {
			// A BYE for the caller's own dialog (the Edge hung up an inbound call): accept it.
			_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
		}
	})
	simple := func(req *sip.Request, tx sip.ServerTransaction) {
		u.note(req)
		st := 200
		if req.Method != sip.NOTIFY && req.Method != sip.OPTIONS {
			st = u.finalStatus()
		}
		_ = tx.Respond(sip.NewResponseFromRequest(req, st, sipstack.ReasonPhrase(st), nil))
	}
	u.srv.OnMessage(simple)
	u.srv.OnOptions(simple)
	u.srv.OnNotify(simple)
	u.srv.OnSubscribe(simple)
}

// answerSDP is a G.711 answer; no media flows in a regression run.
const answerSDP = "v=0\r\no=uc 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
	"m=audio 40002 RTP/AVP 8 0\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"

// offerSDP is the UC caller's offer.
const offerSDP = "v=0\r\no=uc 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
	"m=audio 40000 RTP/AVP 8 0\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"

func (u *ucSide) note(req *sip.Request) {
	r := ucRequest{Method: string(req.Method), StartLine: req.StartLine(), Raw: req.String()}
	if c := req.CallID(); c != nil {
		r.CallID = c.Value()
	}
	u.mu.Lock()
	u.requests = append(u.requests, r)
	u.mu.Unlock()
}

func (u *ucSide) finalStatus() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.answer == 0 {
		return 200
	}
	return u.answer
}

// setAnswer sets the final status of the next case's requests.
func (u *ucSide) setAnswer(st int) {
	u.mu.Lock()
	u.answer = st
	u.mu.Unlock()
}

// saw returns the requests that carry token, in order.
func (u *ucSide) saw(token string) []ucRequest {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []ucRequest
	for _, r := range u.requests {
		if strings.Contains(r.Raw, token) {
			out = append(out, r)
		}
	}
	return out
}

func (u *ucSide) close() error {
	u.cancel()
	<-u.done
	return u.ua.Close()
}

// callerResult is what came back to the UC-side caller.
type callerResult struct {
	Status   int    `json:"status"`
	Reason   string `json:"reason,omitempty"`
	Wire     string `json:"wire,omitempty"` // the final response as received
	Answered bool   `json:"answered,omitempty"`
	Error    string `json:"error,omitempty"`
}

// call sends one request from the UC side into the Expressway and sees an answered INVITE through
// its ACK and BYE.
func (u *ucSide) call(ctx context.Context, e Expressway, method sip.RequestMethod, from, to, token string) callerResult {
	req, err := u.request(e, method, from, to, token)
	if err != nil {
		return callerResult{Error: err.Error()}
	}
	if method != sip.INVITE {
		res, err := u.cli.Do(ctx, req)
		if err != nil {
			return callerResult{Error: fmt.Sprintf("uc caller %s: %v", method, err)}
		}
		return callerResult{Status: res.StatusCode, Reason: res.Reason, Wire: res.String()}
	}
	return u.invite(ctx, req)
}

func (u *ucSide) invite(ctx context.Context, inv *sip.Request) callerResult {
	dua := sipgo.DialogUA{Client: u.cli, ContactHDR: *inv.Contact(), RewriteContact: true}
	sess, err := dua.WriteInvite(ctx, inv)
	if err != nil {
		return callerResult{Error: fmt.Sprintf("uc caller INVITE: %v", err)}
	}
	defer sess.Close()
	err = waitAnswer(ctx, sess)
	var dr *sipgo.ErrDialogResponse
	if errors.As(err, &dr) {
		return callerResult{Status: dr.Res.StatusCode, Reason: dr.Res.Reason, Wire: dr.Res.String()}
	}
	if err != nil && ctx.Err() != nil {
		return callerResult{Error: "uc caller INVITE: the Expressway sent no final answer within the case's timeout"}
	}
	if err != nil {
		return callerResult{Error: fmt.Sprintf("uc caller INVITE: %v", err)}
	}
	r := sess.InviteResponse
	out := callerResult{Status: r.StatusCode, Reason: r.Reason, Wire: r.String(), Answered: true}
	// ACK and BYE follow the Record-Route set; the first hop is the Expressway the 200 came from.
	ack := sip.NewRequest(sip.ACK, r.Contact().Address)
	ack.SetDestination(r.Source())
	if err := sess.WriteAck(ctx, ack); err != nil {
		out.Error = fmt.Sprintf("uc caller ACK: %v", err)
		return out
	}
	bye := sip.NewRequest(sip.BYE, r.Contact().Address)
	bye.SetDestination(r.Source())
	if err := sess.WriteBye(ctx, bye); err != nil {
		out.Error = fmt.Sprintf("uc caller BYE: %v", err)
	}
	return out
}

func (u *ucSide) request(e Expressway, method sip.RequestMethod, from, to, token string) (*sip.Request, error) {
	fromURI, err := parseURI(from)
	if err != nil {
		return nil, err
	}
	toURI, err := parseURI(to)
	if err != nil {
		return nil, err
	}
	req := sip.NewRequest(method, toURI)
	req.AppendHeader(&sip.FromHeader{Address: fromURI, Params: sip.HeaderParams{{K: "tag", V: sip.GenerateTagN(16)}}})
	req.AppendHeader(&sip.ToHeader{Address: toURI})
	callID := sip.CallIDHeader(token + "-" + sip.GenerateTagN(8))
	req.AppendHeader(&callID)
	contact := u.contact
	contact.User = fromURI.User
	req.AppendHeader(&sip.ContactHeader{Address: contact})
	req.AppendHeader(sip.NewHeader(tokenHeader, token))
	switch method {
	case sip.INVITE:
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody([]byte(offerSDP))
	case sip.SUBSCRIBE:
		req.AppendHeader(sip.NewHeader("Event", "presence"))
		req.AppendHeader(sip.NewHeader("Accept", "application/pidf+xml"))
		req.AppendHeader(sip.NewHeader("Expires", "0"))
	case sip.MESSAGE:
		req.AppendHeader(sip.NewHeader("Content-Type", "text/plain"))
		req.SetBody([]byte("edgesim regress " + token))
	}
	req.SetTransport(strings.ToUpper(e.Transport))
	req.SetDestination(e.Entry)
	return req, nil
}

// waitAnswer waits for the INVITE's final answer until ctx ends. Left to itself sipgo waits out
// Timer B (32 s) for a provisional answer before it may CANCEL, so a silent Expressway would hold a
// case far past its timeout: with nothing heard the wait is forced to end at once; after a
// provisional answer sipgo CANCELs the INVITE as RFC 3261 §9.1 asks.
func waitAnswer(ctx context.Context, sess *sipgo.DialogClientSession) error {
	var provisional atomic.Bool
	wctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	stop := context.AfterFunc(ctx, func() {
		if provisional.Load() {
			cancel(context.Cause(ctx))
			return
		}
		cancel(sipgo.WaitAnswerForceCancelErr)
	})
	defer stop()
	return sess.WaitAnswer(wctx, sipgo.AnswerOptions{OnResponse: func(r *sip.Response) error {
		if r.IsProvisional() {
			provisional.Store(true)
		}
		return nil
	}})
}
