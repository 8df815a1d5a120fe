package regress

import (
	"context"
	"crypto/tls"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/record"
)

// Options tune Run. Config is the run's base: the Edge's configuration as `edgesim run` reads it,
// whose zones the Expressway resolves through the lab DNS.
type Options struct {
	Config config.Config
	Logger zerolog.Logger
	// CallerCert is the UC caller's client certificate for a TLS entry point; nil presents none.
	CallerCert *tls.Certificate
	// RunID makes each case's token unique across runs; "": from the clock.
	RunID string
	// Done hears of each case as it finishes.
	Done func(Result)
}

// Report is one run of a plan.
type Report struct {
	Plan     string        `json:"plan"`
	RunID    string        `json:"run_id"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`
	Results  []Result      `json:"cases"`
}

// Passed reports whether every case was as expected.
func (r *Report) Passed() bool {
	for _, c := range r.Results {
		if !c.Pass {
			return false
		}
	}
	return true
}

// Result is one case: what each end saw, the Edge's attempt records, and every mismatch.
type Result struct {
	Name      string   `json:"name"`
	Direction string   `json:"direction"`
	Method    string   `json:"method"`
	From      string   `json:"from"`
	To        string   `json:"to"`
	Scenario  string   `json:"scenario,omitempty"`
	Token     string   `json:"token"` // the unique part that correlates both ends
	Expect    Expect   `json:"expect"`
	Got       Observed `json:"got"`
	Pass      bool     `json:"pass"`
	// Mismatches say what was expected and what came, one line each.
	Mismatches []string `json:"mismatches,omitempty"`
	// Caller (inbound) is what came back to the UC caller; Skype (outbound) what the Skype client saw.
	Caller *callerResult    `json:"caller,omitempty"`
	Skype  *edge.CallResult `json:"skype,omitempty"`
	UCSaw  []ucRequest      `json:"uc_saw,omitempty"` // what reached the UC side for this case
	Edge   []record.Attempt `json:"edge_attempts"`    // the Edge's attempt records for this case
	Notes  []string         `json:"notes,omitempty"`
	Error  string           `json:"error,omitempty"`
	Took   time.Duration    `json:"duration_ns"`
}

// Observed is the case's outcome in the terms of Expect, plus what a baseline diff compares.
type Observed struct {
	Status     int    `json:"status"`
	Reason     string `json:"reason,omitempty"`
	Diagnostic int    `json:"diagnostic,omitempty"`
	Verdict    string `json:"verdict,omitempty"`
	ResultCode string `json:"result_code,omitempty"`
	EdgeSaw    bool   `json:"edge_saw"`
	ReachedUC  bool   `json:"reached_uc"`
	// TLS is the Edge's connection with the Expressway: version, cipher and the chain it presented.
	TLSVersion string   `json:"tls_version,omitempty"`
	TLSCipher  string   `json:"tls_cipher,omitempty"`
	PeerChain  []string `json:"peer_chain,omitempty"`
}

// Run plays the plan's cases in order. Each case gets a fresh Edge on the run's addresses with its
// own overrides; every wait is bounded by the plan's timeout.
func Run(ctx context.Context, p *Plan, o Options) (*Report, error) {
	rep := &Report{Plan: p.File, RunID: o.RunID, Started: time.Now()}
	if rep.RunID == "" {
		rep.RunID = strconv.FormatInt(time.Now().UnixMilli(), 36)
	}
	if err := checkListeners(o.Config, p.UC.Answerer); err != nil {
		return nil, err
	}
	if err := ensureScenarioCAs(p, o.Config.Lab.Dir); err != nil {
		return nil, fmt.Errorf("lab CAs: %w", err)
	}
	rec, err := edge.NewRecorder(edge.RecordOptions{History: 4096, Logger: o.Logger})
	if err != nil {
		return nil, err
	}
	defer rec.Close()
	uc, err := startUC(p.UC.Answerer, callerTLS(p, o), p.timeout()*2, o.Logger)
	if err != nil {
		return nil, err
	}
	defer uc.close()
	r := &runner{p: p, o: o, rec: rec, uc: uc, runID: rep.RunID}
	for i := range p.Cases {
		if ctx.Err() != nil {
			break
		}
		res := r.runCase(ctx, &p.Cases[i])
		rep.Results = append(rep.Results, res)
		if o.Done != nil {
			o.Done(res)
		}
	}
	rep.Duration = time.Since(rep.Started)
	return rep, ctx.Err()
}

// callerTLS is the caller's TLS for a TLS entry point. The entry point's certificate is not what a
// regression run tests (the federation leg is), so it is not verified.
func callerTLS(p *Plan, o Options) *tls.Config {
	if p.Expressway.Transport != "tls" {
		return nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true} //nolint:gosec // the entry point's certificate is not what is tested
	if o.CallerCert != nil {
		cert := o.CallerCert
		conf.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	return conf
}

type runner struct {
	p     *Plan
	o     Options
	rec   *edge.Recorder
	uc    *ucSide
	runID string
}

func (r *runner) runCase(ctx context.Context, c *Case) (res Result) {
	start := time.Now()
	res = Result{Name: c.Name, Direction: c.Direction, Method: c.Method, Scenario: c.Scenario, Expect: c.Expect,
		Token: "regress-" + c.Name + "-" + r.runID}
	res.From, res.To = r.endpoints(c, res.Token)
	defer func() { res.Took = time.Since(start); res.compare() }()
	cfg, err := caseConfig(r.o.Config, c)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	lab, err := startCaseLab(cfg, r.rec, r.o.Logger)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	r.uc.setAnswer(c.UCAnswer)
	cctx, cancel := context.WithTimeout(ctx, r.p.timeout())
	if c.Direction == Inbound {
		cr := r.uc.call(cctx, r.p.Expressway, sip.RequestMethod(c.Method), res.From, res.To, res.Token)
		res.Caller = &cr
	} else {
		r.callOut(cctx, lab, c, &res)
	}
	cancel()
	// Closing the Edge ends the case's connections, so its attempts are complete in the ring.
	if err := lab.close(); err != nil {
		res.Notes = append(res.Notes, "closing the Edge: "+err.Error())
	}
	lab.awaitPeerCloses(&res)
	sctx, scancel := context.WithTimeout(context.Background(), 3*time.Second)
	_ = r.rec.Sync(sctx)
	scancel()
	all := r.rec.Ring().Snapshot()
	res.Edge = attemptsFor(all, res.Token, res.Skype)
	res.Notes = append(res.Notes, others(all, res.Edge, start)...)
	res.UCSaw = r.uc.saw(res.Token)
	res.observe()
	return res
}

// endpoints are the case's From and To, with the token as the Skype-side user unless the plan
// names one. The UC side is the plan's first identity, or for a case that takes a scenario the
// scenario's own UC-side URI: its fault is about that URI's domain (cms.steven.lab, say).
func (r *runner) endpoints(c *Case, token string) (from, to string) {
	skype := "sip:" + token + "@" + r.p.Skype.Domain
	uc := r.p.UC.Identities[0]
	if s := c.scenario; s != nil && c.Direction == Inbound {
		uc = or(s.Call.From, uc)
	} else if s != nil {
		uc = or(s.Call.To, uc)
	}
	if c.Direction == Inbound {
		from, to = or(c.From, uc), or(c.To, skype)
	} else {
		from, to = or(c.From, skype), or(c.To, uc)
	}
	return
}

func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// callOut is the Skype → UC direction: the Edge calls exactly as `edgesim call` does.
func (r *runner) callOut(ctx context.Context, lab *caseLab, c *Case, res *Result) {
	var redirected atomic.Bool
	ob, err := lab.outbound(r.rec, r.p.Expressway.Federation, r.o.Logger, &redirected)
	if err != nil {
		res.Error = err.Error()
		return
	}
	req := edge.CallRequest{From: res.From, To: res.To, Timeout: r.p.timeout(), CallID: res.Token + "-" + sip.GenerateTagN(8)}
	var cr edge.CallResult
	switch c.Method {
	case "SUBSCRIBE":
		cr = ob.Subscribe(ctx, req, nil)
	case "MESSAGE":
		req.IM = "edgesim regress " + res.Token
		cr = ob.Call(ctx, req, nil)
	default:
		cr = ob.Call(ctx, req, nil)
	}
	res.Skype = &cr
	if redirected.Load() {
		res.Notes = append(res.Notes, "the zones put the Expressway on a loopback address; the Edge dialled expressway.federation "+r.p.Expressway.Federation)
	}
}

// attemptsFor picks the Edge's attempts of one case: those whose messages carry its token, and the
// outbound call's own attempt (whose messages may not exist when it never left the Edge).
func attemptsFor(all []record.Attempt, token string, out *edge.CallResult) []record.Attempt {
	var list []record.Attempt
	for _, a := range all {
		hit := out != nil && a.Direction == record.Outbound && a.CallID == out.CallID
		for _, m := range a.Messages {
			hit = hit || strings.Contains(m.Raw, token)
		}
		if hit {
			list = append(list, a)
		}
	}
	return list
}

// observe fills Got from both ends and the Edge's first attempt.
func (r *Result) observe() {
	g := &r.Got
	switch {
	case r.Caller != nil:
		g.Status, g.Reason = r.Caller.Status, r.Caller.Reason
		g.Diagnostic = policy.DiagnosticCode(headerOf(r.Caller.Wire, "ms-diagnostics"))
		if r.Caller.Error != "" {
			r.Notes = append(r.Notes, r.Caller.Error)
		}
	case r.Skype != nil:
		g.Status, g.Reason, g.Diagnostic = r.Skype.Status, r.Skype.Reason, r.Skype.DiagnosticCode
		if r.Skype.Error != "" {
			r.Notes = append(r.Notes, "outbound engine: "+r.Skype.Error)
		}
	}
	g.ReachedUC = len(r.UCSaw) > 0 && r.Direction == Outbound
	if len(r.Edge) == 0 {
		return
	}
	a := r.Edge[0]
	g.EdgeSaw = true
	g.Verdict, g.ResultCode = a.Outcome, a.ResultCode
	if len(a.TLS) > 0 {
		t := a.TLS[0]
		g.TLSVersion, g.TLSCipher = t.Version, t.Cipher
		for _, c := range t.Chain {
			g.PeerChain = append(g.PeerChain, fmt.Sprintf("%s SAN=%s EKU=%s sig=%s", c.Subject, strings.Join(c.SANs, ","), c.EKUs, c.Signature))
		}
	}
}

// headerOf finds a header's value in a message's text.
func headerOf(wire, name string) string {
	for _, line := range strings.Split(wire, "\r\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// others describes the attempts the Edge recorded during the case that carry no token, such as a
// TLS handshake it refused: they explain a case whose request never reached it.
func others(all, mine []record.Attempt, since time.Time) []string {
	ids := map[string]bool{}
	for _, a := range mine {
		ids[a.ID] = true
	}
	var out []string
	for _, a := range all {
		if ids[a.ID] || a.Start.Before(since) {
			continue
		}
		n := fmt.Sprintf("the Edge also recorded a %s %s from %s: %s", a.Direction, a.Kind, or(a.Peer, "?"), or(a.Outcome, "no outcome"))
		if a.Error != "" {
			n += " (" + a.Error + ")"
		}
		out = append(out, n)
	}
	return out
}
