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
}

// CallResult is the whole story of one call, including what the Skype client and the Edge log show.
type CallResult struct {
	From           string        `json:"from"`
	To             string        `json:"to"`
	Domain         string        `json:"domain"`
	CallID         string        `json:"call_id"`
	Steps          []Step        `json:"steps"`
	Target         string        `json:"target,omitempty"`      // the in-domain SRV target tried: host:port
	PeerAddr       string        `json:"peer_addr,omitempty"`   // ip:port connected to
	PeerServer     string        `json:"peer_server,omitempty"` // the server certificate's presented name
	InviteSent     bool          `json:"invite_sent"`
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
}

// Call places req with the lab's configuration and Edge log; events hears each step as it happens.
func (l *Lab) Call(ctx context.Context, req CallRequest, events func(Step)) CallResult {
	return (&Outbound{Lab: l, Logger: zerolog.Nop()}).Call(ctx, req, events)
}

const defaultCallTimeout = 10 * time.Second

// byeMargin bounds the ACK, the BYE and its answer after the hold time.
const byeMargin = 10 * time.Second

// Call runs docs/edge-behaviour.md §3 in order and, when every rule passes, sends the INVITE and sees the call through.
func (o *Outbound) Call(ctx context.Context, req CallRequest, events func(Step)) (res CallResult) {
	start := time.Now()
	res = CallResult{From: req.From, To: req.To, CallID: req.CallID}
	var mu sync.Mutex // a peer's BYE is reported from sipgo's goroutine
	emit := func(s Step) {
		mu.Lock()
		defer mu.Unlock()
		res.Steps = append(res.Steps, s)
		if events != nil {
			events(s)
		}
	}
	if o.Recorder != nil {
		var done func(CallResult)
		ctx, done = o.Recorder.beginCall(ctx, start)
		defer func() { done(res) }() // runs last, once the result is whole
	}
	defer func() { res.Elapsed = time.Since(start) }()
	toURI, err := ParseSIPURI(req.To)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	if _, err := ParseSIPURI(req.From); err != nil {
		res.Error = "from: " + err.Error()
		return res
	}
	res.Domain = toURI.Host
	if res.CallID == "" {
		res.CallID = newCallID(o.rand())
	}
	if req.Timeout <= 0 {
		req.Timeout = defaultCallTimeout
	}
	if req.Now.IsZero() {
		req.Now = time.Now()
	}
	setup, cancel := context.WithTimeout(ctx, req.Timeout)
	defer cancel()
	msg := MessageInfo{StartLine: "INVITE " + toURI.String() + " SIP/2.0", CallID: res.CallID, CSeq: "1 INVITE"}

	r := o.reach(setup, res.Domain, req.Now, emit)
	defer func() { res.Trace = r.verdict.Trace }()
	res.Target, res.PeerServer = r.targetHostPort(), r.verdict.PeerServer
	if r.addr.IsValid() {
		res.PeerAddr = r.addr.String()
	}
	msg.Peer = r.logPeer(res.Domain)
	if r.refused() {
		o.refuse(&res, r.verdict, msg)
		return res
	}
	deadline, _ := setup.Deadline()
	// The call itself may outlive setup by the hold time and the BYE, but never without a bound.
	callCtx, cancelCall := context.WithDeadline(ctx, deadline.Add(req.Duration+byeMargin))
	defer cancelCall()
	o.invite(callCtx, &res, &r, req, time.Until(deadline), msg, emit)
	return res
}

// invite sends the INVITE over the checked connection and hands the far end's answer to the policy.
func (o *Outbound) invite(ctx context.Context, res *CallResult, r *reached, req CallRequest, answerIn time.Duration, msg MessageInfo, emit func(Step)) {
	res.InviteSent = true
	out, err := r.conn.Call(ctx, sipstack.Invite{From: req.From, To: req.To, CallID: res.CallID, CSeq: 1},
		sipstack.CallOptions{AnswerTimeout: answerIn, Hold: req.Duration,
			OnSent: func(m *sipstack.Message) {
				emit(Step{Kind: StepSent, OK: true, Text: m.StartLine + " → " + r.addr.String(), Detail: sipLines(m)})
			},
			OnReceived: func(m *sipstack.Message) {
				emit(Step{Kind: StepReceived, OK: m.Method != "" || m.Status < 300, Text: m.StartLine, Detail: sipLines(m)})
			}})
	if err != nil { // the INVITE could not be built: nothing left the Edge
		res.InviteSent = false
		res.Error = err.Error()
		return
	}
	a := answerOf(out)
	r.facts.Answer = &a
	r.decide(emit)
	v := r.verdict
	switch {
	case v.Allow:
		res.Answered, res.Status, res.Reason, res.EndedBy = true, v.Status, v.Reason, out.EndedBy
		if out.Err != nil {
			res.Error = out.Err.Error()
		}
		res.SkypeView = o.view(res.Status, res.Reason, "")
	case v.FarEndDiagnostic != "":
		res.Status, res.Reason, res.Diagnostic = v.Status, v.Reason, v.FarEndDiagnostic
		res.DiagnosticCode = policy.DiagnosticCode(v.FarEndDiagnostic)
		res.SkypeView = o.view(res.Status, res.Reason, v.FarEndDiagnostic)
	default:
		if a.Error != "" {
			res.Error = a.Error
		}
		o.refuse(res, v, msg)
	}
}

// answerOf is the far end's answer as the policy reads it.
func answerOf(out *sipstack.Outcome) policy.Answer {
	switch out.Kind {
	case sipstack.OutcomeAnswered:
		return policy.Answer{Kind: policy.Answered, Status: out.Final.Status, Reason: out.Final.Reason}
	case sipstack.OutcomeRejected:
		d, _ := out.Final.Header("ms-diagnostics")
		return policy.Answer{Kind: policy.Rejected, Status: out.Final.Status, Reason: out.Final.Reason, Diagnostics: d}
	}
	a := policy.Answer{Kind: policy.NoAnswer, Error: fmt.Sprintf("%s: %v", out.Kind, out.Err)}
	if out.Kind == sipstack.OutcomeConnLost {
		a.Kind, a.TLSAlert = policy.ConnectionLost, out.ConnErr != nil && sipstack.IsTLSAlert(out.ConnErr)
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
