package scenarios

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/labdns"
	"github.com/edgesim/edgesim/sipstack"
)

// Options tune Run. The zero value is fine.
type Options struct {
	Logger  zerolog.Logger // the Edge's and the stand-in's process log; zero value: discarded
	TempDir string         // where each scenario's lab directory is made; "": the system's
	// Recorder, when set, records every scenario's attempt and connections (its pcapng, for one).
	Recorder *edge.Recorder
}

// Observed is what a run saw, in the terms of Expect.
type Observed struct {
	Status      int    `json:"status"`
	Reason      string `json:"reason,omitempty"`
	Diagnostic  int    `json:"diagnostic,omitempty"`
	ResultCode  string `json:"result_code,omitempty"`
	ReachedPeer bool   `json:"reached_peer"`
}

// Result is one scenario's run: what was expected, what happened on the wire and in the Edge log,
// and every difference spelled out.
type Result struct {
	Name       string    `json:"name"`
	Title      string    `json:"title"`
	Direction  Direction `json:"direction"`
	Expect     Expect    `json:"expect"`
	Got        Observed  `json:"got"`
	Pass       bool      `json:"pass"`
	Mismatches []string  `json:"mismatches,omitempty"`
	// Wire is the final response as text: inbound as the Expressway-E stand-in received it from the
	// Edge, outbound as the Skype client receives it from its Front End.
	Wire string `json:"wire,omitempty"`
	// Diagnostic is the ms-diagnostics value of that response, "" when it has none.
	Diagnostic string `json:"ms_diagnostics,omitempty"`
	// EdgeLog is the Edge-log record(s) the scenario wrote, as in the Edge's log file.
	EdgeLog string `json:"edge_log,omitempty"`
	// Trace is the rules the Edge applied to the scenario's request or call, with what each read.
	Trace []policy.Rule `json:"trace,omitempty"`
	// Steps (outbound) is what the Edge did, one line a step.
	Steps []string `json:"steps,omitempty"`
	// PeerError (inbound) is the error the stand-in's call ended with, "" when it got an answer.
	PeerError string `json:"peer_error,omitempty"`
	// PeerSaw (outbound) lists the requests that reached the stand-in.
	PeerSaw []string `json:"peer_saw,omitempty"`
	// Notes are facts about how the lab was built that a reader of the wire text should know.
	Notes    []string      `json:"notes,omitempty"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// setupMargin bounds building and tearing down a lab, on top of the call's own timeout.
const setupMargin = 10 * time.Second

// Run plays one scenario in a fresh lab directory on loopback (removed afterwards), every socket on
// 127.0.0.1:0, and compares what happened with its expect block. It never blocks longer than the
// call's timeout plus a setup margin.
func Run(ctx context.Context, s *Scenario, opts Options) Result {
	start := time.Now()
	res := Result{Name: s.Name, Title: s.Title, Direction: s.Direction, Expect: s.Expect}
	ctx, cancel := context.WithTimeout(ctx, s.callTimeout()+setupMargin)
	defer cancel()
	dir, err := os.MkdirTemp(opts.TempDir, "edgesim-scenario-")
	if err != nil {
		res.Error = "lab directory: " + err.Error()
	} else {
		defer os.RemoveAll(dir)
		var err error
		switch s.Direction {
		case Inbound:
			err = runInbound(ctx, s, dir, opts, &res)
		case Outbound:
			err = runOutbound(ctx, s, dir, opts, &res)
		default:
			err = fmt.Errorf("unknown direction %q", s.Direction)
		}
		if err != nil {
			res.Error = "the lab could not be set up: " + err.Error()
		}
	}
	res.Duration = time.Since(start)
	res.compare(s)
	return res
}

// RunAll runs the scenarios, at most parallel at a time (0: one per CPU, at least 2), and returns
// the results in the order given; done hears of each as it finishes.
func RunAll(ctx context.Context, list []*Scenario, opts Options, parallel int, done func(Result)) []Result {
	if parallel <= 0 {
		parallel = max(2, runtime.GOMAXPROCS(0))
	}
	out := make([]Result, len(list))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, s := range list {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r := Run(ctx, s, opts)
			out[i] = r
			if done != nil {
				mu.Lock()
				done(r)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return out
}

func (s *Scenario) callTimeout() time.Duration {
	if s.Call.Timeout > 0 {
		return s.Call.Timeout
	}
	return DefaultCallTimeout
}

// baseConfig is the lab every scenario starts from: the defaults on loopback, in dir, with the
// lab DNS served by the runner on its own port.
func baseConfig(dir string) config.Config {
	cfg := config.Default()
	cfg.Lab.Dir = dir
	cfg.Edge.Listen = "127.0.0.1:0"
	cfg.DNS.Listen = ""
	cfg.DNS.Timeout = time.Second
	return cfg
}

// EnsureLabCAs creates (or loads) the lab's three CAs in dir: lab, untrusted and public.
func EnsureLabCAs(dir string) (map[certs.Issuer]*certs.CA, error) {
	out := map[certs.Issuer]*certs.CA{}
	for _, iss := range []certs.Issuer{certs.IssuerLab, certs.IssuerUntrusted, certs.IssuerPublic} {
		ca, _, err := certs.EnsureCA(dir, iss, certs.CAOptions{})
		if err != nil {
			return nil, err
		}
		out[iss] = ca
	}
	return out, nil
}

// peerFQDN is the stand-in's own name: peer.fqdn, else its certificate's, else the seed's Expressway-E.
func (s *Scenario) peerFQDN() string {
	switch {
	case s.Peer.FQDN != "":
		return s.Peer.FQDN
	case s.Peer.Cert != nil && s.Peer.Cert.CN != "":
		return s.Peer.Cert.CN
	case s.Peer.Cert != nil && len(s.Peer.Cert.SANs) > 0:
		return s.Peer.Cert.SANs[0]
	}
	return "vcse.steven.lab"
}

// startDNS serves the configuration's zones (the seed's lab when there are none) on 127.0.0.1:0
// and points the Edge's resolver at it, so every lookup crosses a real socket.
func startDNS(cfg *config.Config, log zerolog.Logger) (*labdns.Server, error) {
	zs, err := labdns.ParseZones(labdns.ZonesOrDefault(cfg.DNS.Zones))
	if err != nil {
		return nil, fmt.Errorf("zones: %w", err)
	}
	srv := labdns.NewServer(zs, log.With().Str("component", "labdns").Logger())
	if err := srv.Start("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("lab DNS: %w", err)
	}
	cfg.DNS.Resolver = srv.Addr()
	return srv, nil
}

// prepare builds the scenario's configuration, CAs, peer certificate and lab DNS in dir.
func prepare(s *Scenario, dir string, log zerolog.Logger) (cfg config.Config, cas map[certs.Issuer]*certs.CA, leaf *certs.Leaf, dns *labdns.Server, err error) {
	if cas, err = EnsureLabCAs(dir); err != nil {
		return
	}
	if leaf, err = s.IssuePeer(dir); err != nil {
		return
	}
	if cfg, err = s.Config(baseConfig(dir)); err != nil {
		return
	}
	if err = s.issueEdgeCert(dir, dir, &cfg); err != nil {
		return
	}
	if dns, err = startDNS(&cfg, log); err != nil {
		return
	}
	if err = cfg.Validate(); err != nil {
		_ = dns.Close()
		return
	}
	return
}

var resultCodeLineRE = regexp.MustCompile(`(?m)^Result-Code: (0x[0-9a-f]{8})`)

// edgeLogResult reads the Result-Code of the first record, and how many records there are.
func edgeLogResult(log string) (string, int) {
	all := resultCodeLineRE.FindAllStringSubmatch(log, -1)
	if len(all) == 0 {
		return "", 0
	}
	return all[0][1], len(all)
}

// compare fills Pass and Mismatches, each saying what was expected, what came, and why it matters.
func (r *Result) compare(s *Scenario) {
	e, g := s.Expect, r.Got
	var m []string
	if r.Error != "" {
		m = append(m, r.Error)
	}
	if g.Status != e.Status {
		m = append(m, fmt.Sprintf("status: expected %s, got %s", StatusText(e.Status, ""), StatusText(g.Status, g.Reason)))
	}
	switch {
	case e.Diagnostic == 0 && g.Diagnostic != 0:
		m = append(m, fmt.Sprintf("ms-diagnostics: expected none, got %s", r.Diagnostic))
	case e.Diagnostic != 0 && g.Diagnostic == 0:
		why := "the response carries no ms-diagnostics"
		if r.Wire == "" {
			why = "there was no response"
		}
		m = append(m, fmt.Sprintf("ms-diagnostics: expected %d (%s), %s", e.Diagnostic, policy.DiagnosticReason(e.Diagnostic), why))
	case e.Diagnostic != g.Diagnostic:
		m = append(m, fmt.Sprintf("ms-diagnostics: expected %d (%s), got %s", e.Diagnostic, policy.DiagnosticReason(e.Diagnostic), r.Diagnostic))
	}
	for _, part := range e.DiagnosticContains {
		if g.Diagnostic != 0 && !strings.Contains(r.Diagnostic, part) {
			m = append(m, fmt.Sprintf("ms-diagnostics: expected it to contain %s, got %s", part, r.Diagnostic))
		}
	}
	if g.ResultCode != e.ResultCode {
		m = append(m, fmt.Sprintf("Edge-log Result-Code: expected %s, got %s", ResultText(e.ResultCode), ResultText(g.ResultCode)))
	}
	for _, part := range e.PeerErrorContains {
		if !strings.Contains(r.PeerError, part) {
			m = append(m, fmt.Sprintf("Expressway-E: expected its call to end with an error containing %q, got %q", part, r.PeerError))
		}
	}
	if e.ReachesPeer != nil && *e.ReachesPeer != g.ReachedPeer {
		if *e.ReachesPeer {
			m = append(m, "Expressway-E: expected the INVITE to reach it, but nothing arrived")
		} else {
			m = append(m, "Expressway-E: expected nothing to reach it, but the INVITE arrived")
		}
	}
	r.Mismatches = m
	r.Pass = len(m) == 0
}

// StatusText names a final answer for a mismatch line: "no SIP answer at all" for none.
func StatusText(status int, reason string) string {
	if status == 0 {
		return "no SIP answer at all"
	}
	if reason == "" {
		reason = sipstack.ReasonPhrase(status)
	}
	return strings.TrimSpace(strconv.Itoa(status) + " " + reason)
}

// ResultText names an Edge-log Result-Code by its hex and name, or "no record".
func ResultText(code string) string {
	if code == "" {
		return "no record"
	}
	if rc, ok := policy.ResultByHex(code); ok {
		return rc.String()
	}
	return code
}
