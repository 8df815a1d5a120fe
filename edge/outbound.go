package edge

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/edge/lync"
	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/sipstack"
)

// CallRequest is a Skype user's call into a federated domain (docs/edge-behaviour.md §3).
type CallRequest struct {
	From, To string        // SIP URIs; the host of To is the callee domain
	Timeout  time.Duration // DNS, connect, TLS and the final answer together; 0: 10s
	Duration time.Duration // how long an answered call is held before the Edge's BYE
	Now      time.Time     // the clock certificates are judged by; zero: time.Now
	CallID   string        // "" → random
	// IM makes the call an IM session: an INVITE for a message session, then this text as a MESSAGE.
	IM string
}

// CallResult is the whole story of one call, including what the Skype client and the Edge log show.
type CallResult struct {
	From           string        `json:"from"`
	To             string        `json:"to"`
	Domain         string        `json:"domain"`
	CallID         string        `json:"call_id"`
	Method         string        `json:"method"` // INVITE, or SUBSCRIBE for a presence subscription
	Steps          []Step        `json:"steps"`
	Target         string        `json:"target,omitempty"`      // the in-domain SRV target tried: host:port
	PeerAddr       string        `json:"peer_addr,omitempty"`   // ip:port connected to
	PeerServer     string        `json:"peer_server,omitempty"` // the server certificate's presented name
	InviteSent     bool          `json:"invite_sent"`           // the request (INVITE or SUBSCRIBE) left the Edge
	Answered       bool          `json:"answered"`
	EndedBy        string        `json:"ended_by,omitempty"` // answered calls: "edge" or "peer"
	Status         int           `json:"status"`
	Reason         string        `json:"reason"`
	Diagnostic     string        `json:"ms_diagnostics,omitempty"` // as the Skype client receives it
	DiagnosticCode int           `json:"diagnostic_code,omitempty"`
	ResultCode     string        `json:"result_code,omitempty"` // of the Edge-log record, when one was written
	SkypeView      string        `json:"skype_view"`
	EdgeLog        string        `json:"edge_log,omitempty"`
	Error          string        `json:"error,omitempty"`
	Elapsed        time.Duration `json:"elapsed_ns"`
	IMStatus       int           `json:"im_status,omitempty"` // the far end's answer to the IM's MESSAGE
	Notify         []string      `json:"notify,omitempty"`    // SUBSCRIBE: the NOTIFY bodies that came
	// Trace is the rules the Edge applied, in order, with what each read (docs/edge-behaviour.md §8).
	Trace   []policy.Rule   `json:"trace"`
	Verdict *policy.Verdict `json:"-"` // the Edge's own refusal; nil when the far end decided
}

// Outbound places calls and runs checks for the Edge. The zero values of the seams are production's.
type Outbound struct {
	Lab     *Lab
	EdgeLog *LogWriter // nil: each record is appended to the lab's Edge log file
	Rand    io.Reader  // the random parts of the Skype client's view; nil: crypto/rand
	Logger  zerolog.Logger
	// DialAddr redirects the socket of a resolved target, so a lab can put the Expressway-E stand-in on
	// an ephemeral port while DNS, the steps, the diagnostics and the Edge log keep the zone's 5061.
	// nil dials what DNS said.
	DialAddr func(target policy.SRVTarget, resolved netip.AddrPort) netip.AddrPort
	// Recorder, when set, records each call and check as an attempt, with its connection's bytes.
	Recorder *Recorder
	// Listener, when set, is the Edge's own SIP listener: a far end's BYE for a call placed here may
	// come back there on a new connection (Service.Outbound sets it). nil: only the call's connection.
	Listener *sipstack.Server
	// ListenPort is the port the Edge's Via and Record-Route name; 0: edge.listen's (5061 when it says 0).
	ListenPort int
}

// Call places req with the lab's configuration and Edge log; events hears each step as it happens.
func (l *Lab) Call(ctx context.Context, req CallRequest, events func(Step)) CallResult {
	return (&Outbound{Lab: l, Logger: zerolog.Nop()}).Call(ctx, req, events)
}

const defaultCallTimeout = 10 * time.Second

// byeMargin bounds the ACK, the BYE and its answer after the hold time.
const byeMargin = 10 * time.Second

// Call runs docs/edge-behaviour.md §3 in order and, when every rule passes, sends the INVITE and sees the call through.
func (o *Outbound) Call(ctx context.Context, req CallRequest, events func(Step)) CallResult {
	return o.run(ctx, req, "INVITE", events, func(ctx, setup context.Context, a *attempt, r *reached, deadline time.Time) {
		// The call itself may outlive setup by the hold time and the BYE, but never without a bound.
		callCtx, cancelCall := context.WithDeadline(ctx, deadline.Add(a.req.Duration+byeMargin))
		defer cancelCall()
		o.sendInvite(callCtx, a, r, time.Until(deadline))
	})
}

// run is what every outbound request shares: the URIs checked, the rules applied before anything
// leaves the Edge within req.Timeout, and then send, given the checked connection and the deadline.
func (o *Outbound) run(ctx context.Context, req CallRequest, method string, events func(Step),
	send func(ctx, setup context.Context, a *attempt, r *reached, deadline time.Time)) (res CallResult) {
	ctx, a, ok := o.begin(ctx, req, method, events)
	defer a.finish(&res)
	if !ok {
		return
	}
	setup, cancel := context.WithTimeout(ctx, a.req.Timeout)
	defer cancel()
	r, ok := o.reachFor(setup, a)
	if !ok {
		return
	}
	deadline, _ := setup.Deadline()
	send(ctx, setup, a, &r, deadline)
	return
}

// attempt is what a call and a subscription share: the request, the result being written, its narration.
type attempt struct {
	req   CallRequest
	res   CallResult
	id    lync.Identity
	msg   MessageInfo // what the Edge log names the request by
	emit  func(Step)
	start time.Time
	done  func(CallResult) // the recorder's, once the result is whole
}

// begin checks the URIs and fills in what the caller left out; false when the request is unusable.
func (o *Outbound) begin(ctx context.Context, req CallRequest, method string, events func(Step)) (context.Context, *attempt, bool) {
	a := &attempt{req: req, start: time.Now(), res: CallResult{From: req.From, To: req.To, CallID: req.CallID, Method: method}}
	if o.Recorder != nil {
		ctx, a.done = o.Recorder.beginCall(ctx, a.start)
	}
	var mu sync.Mutex // a peer's BYE is reported from sipgo's goroutine
	a.emit = func(s Step) {
		mu.Lock()
		defer mu.Unlock()
		a.res.Steps = append(a.res.Steps, s)
		if events != nil {
			events(s)
		}
	}
	toURI, err := ParseSIPURI(req.To)
	if err != nil {
		a.res.Error = err.Error()
		return ctx, a, false
	}
	if _, err := ParseSIPURI(req.From); err != nil {
		a.res.Error = "from: " + err.Error()
		return ctx, a, false
	}
	a.res.Domain = toURI.Host
	a.id = lync.NewIdentity(o.rand())
	if a.res.CallID == "" {
		a.res.CallID = o.callID(a.id)
	}
	if a.req.Timeout <= 0 {
		a.req.Timeout = defaultCallTimeout
	}
	if a.req.Now.IsZero() {
		a.req.Now = time.Now()
	}
	a.msg = MessageInfo{StartLine: method + " " + toURI.String() + " SIP/2.0", CallID: a.res.CallID, CSeq: "1 " + method}
	return ctx, a, true
}

func (a *attempt) finish(res *CallResult) {
	a.res.Elapsed = time.Since(a.start)
	*res = a.res
	if a.done != nil {
		a.done(a.res)
	}
}

// reachFor applies the rules before the request leaves the Edge; false when the Edge refused.
func (o *Outbound) reachFor(ctx context.Context, a *attempt) (reached, bool) {
	r := o.reach(ctx, a.res.Domain, a.req.Now, a.emit)
	a.res.Trace = r.verdict.Trace
	a.res.Target, a.res.PeerServer = r.targetHostPort(), r.verdict.PeerServer
	if r.addr.IsValid() {
		a.res.PeerAddr = r.addr.String()
	}
	a.msg.Peer = r.logPeer(a.res.Domain)
	if r.refused() {
		o.refuse(&a.res, r.verdict, a.msg)
		return r, false
	}
	return r, true
}

// sendInvite sends the INVITE over the checked connection and hands the far end's answer to the policy.
func (o *Outbound) sendInvite(ctx context.Context, a *attempt, r *reached, answerIn time.Duration) {
	res := &a.res
	res.InviteSent = true
	sent, received := a.narrate(r)
	out, err := r.conn.Call(ctx, o.invite(a.req, res.CallID, a.id, r.conn.LocalAddr().Addr()),
		sipstack.CallOptions{AnswerTimeout: answerIn, Hold: a.req.Duration, OnSent: sent, OnReceived: received, IM: a.req.IM,
			Redial: o.redialer(a.emit), Listener: o.Listener})
	if err != nil { // the INVITE could not be built: nothing left the Edge
		res.InviteSent = false
		res.Error = err.Error()
		return
	}
	res.IMStatus = out.IMStatus
	ans := answerOf(out.Kind, out.Final, out.Err, out.ConnErr)
	o.decideAnswer(a, r, ans, out.EndedBy, out.Err)
}

// narrate turns the messages of an exchange into steps.
func (a *attempt) narrate(r *reached) (sent, received func(*sipstack.Message)) {
	sent = func(m *sipstack.Message) {
		a.emit(Step{Kind: StepSent, OK: true, Text: m.StartLine + " → " + r.addr.String(), Detail: sipLines(m)})
	}
	received = func(m *sipstack.Message) {
		a.emit(Step{Kind: StepReceived, OK: m.Method != "" || m.Status < 300, Text: m.StartLine, Detail: sipLines(m)})
	}
	return sent, received
}

// decideAnswer hands the far end's answer to the policy and writes what the Skype client sees.
func (o *Outbound) decideAnswer(a *attempt, r *reached, ans policy.Answer, endedBy string, callErr error) {
	res := &a.res
	r.facts.Answer = &ans
	r.decide(a.emit)
	res.Trace = r.verdict.Trace
	v := r.verdict
	switch {
	case v.Allow:
		res.Answered, res.Status, res.Reason, res.EndedBy = true, v.Status, v.Reason, endedBy
		if callErr != nil {
			res.Error = callErr.Error()
		}
		res.SkypeView = o.view(res.Status, res.Reason, "")
	case v.FarEndDiagnostic != "":
		res.Status, res.Reason, res.Diagnostic = v.Status, v.Reason, v.FarEndDiagnostic
		res.DiagnosticCode = policy.DiagnosticCode(v.FarEndDiagnostic)
		res.SkypeView = o.view(res.Status, res.Reason, v.FarEndDiagnostic)
	default:
		if ans.Error != "" {
			res.Error = ans.Error
		}
		o.refuse(res, v, a.msg)
	}
}

// answerOf is the far end's answer as the policy reads it.
func answerOf(kind sipstack.OutcomeKind, final *sipstack.Message, err, connErr error) policy.Answer {
	switch kind {
	case sipstack.OutcomeAnswered:
		return policy.Answer{Kind: policy.Answered, Status: final.Status, Reason: final.Reason}
	case sipstack.OutcomeRejected:
		d, _ := final.Header("ms-diagnostics")
		return policy.Answer{Kind: policy.Rejected, Status: final.Status, Reason: final.Reason, Diagnostics: d}
	}
	a := policy.Answer{Kind: policy.NoAnswer, Error: fmt.Sprintf("%s: %v", kind, err)}
	if kind == sipstack.OutcomeConnLost {
		a.Kind, a.TLSAlert = policy.ConnectionLost, connErr != nil && sipstack.IsTLSAlert(connErr)
	}
	return a
}

// refuse applies a refusal the Edge itself generated: the Skype client's view and the Edge log.
func (o *Outbound) refuse(res *CallResult, v policy.Verdict, msg MessageInfo) {
	res.Verdict = &v
	res.Status, res.Reason = v.Status, v.Reason
	if v.Diagnostic != nil {
		res.Diagnostic = v.Diagnostic.Header(o.Lab.Config.Edge.FQDN)
		res.DiagnosticCode = v.Diagnostic.Code
	}
	res.SkypeView = o.view(v.Status, v.Reason, res.Diagnostic)
	if v.Record == nil {
		return
	}
	res.ResultCode = v.Record.Result.Hex()
	text, err := o.writeRecord(*v.Record, msg)
	if err != nil {
		o.Logger.Error().Err(err).Msg("could not write the Edge log")
	}
	res.EdgeLog = text
}

// writeRecord appends the record to the Edge log and returns it as written.
func (o *Outbound) writeRecord(rec policy.LogRecord, msg MessageInfo) (string, error) {
	w := o.EdgeLog
	if w == nil {
		f, err := o.Lab.OpenEdgeLog()
		if err != nil {
			return string(AppendRecord(nil, RecordHeader{Machine: o.Lab.Config.Edge.EdgeLog.Machine, Time: time.Now()}, rec, msg)), err
		}
		defer f.Close()
		// A fresh writer per call: seed the sequence from the clock so records of successive runs differ.
		w = NewLogWriter(f, LogWriterOptions{Machine: o.Lab.Config.Edge.EdgeLog.Machine, Sequence: uint32(time.Now().UnixMilli())})
	}
	h, err := w.Write(rec, msg)
	return string(AppendRecord(nil, h, rec, msg)), err
}

func (o *Outbound) rand() io.Reader {
	if o.Rand != nil {
		return o.Rand
	}
	return rand.Reader
}

// view renders the final answer as the Skype client receives it from its Front End.
func (o *Outbound) view(status int, reason, diagnostic string) string {
	cfg := o.Lab.Config.Edge
	v := NewClientView(o.rand(), status, reason, diagnostic, cfg.Domains[0])
	v.Server = cfg.ServerHeader
	return string(v.Append(nil))
}
