package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/edgesim/edgesim/edge"
)

func (a *app) callCmd() *cobra.Command {
	var (
		from              string
		timeout, duration time.Duration
		asJSON            bool
	)
	c := &cobra.Command{
		Use:   "call SIP-URI",
		Short: "Call a federated user as a Skype user: the Edge's outbound checks, then the INVITE (exit 0 answered, 1 refused or failed)",
		Long: `Place a call from a Skype user through the emulated Edge to a federated domain, as the real Edge
would: federation lists, the _sipfederationtls._tcp SRV record of the callee's domain and the rule that
its target lies directly in that domain, A/AAAA, TCP, mutual TLS presenting the Edge's certificate, the
server certificate's name, trust and validity, and only then the INVITE. Each step is printed as it
happens; at the end, the answer as the Skype client sees it and the Edge-log record of a refusal.

An answered call is ACKed, held for --duration and hung up. --timeout bounds everything up to the
final answer. No running 'edgesim run' is needed: with dns.resolver embedded the lab zones answer
in-process.`,
		Example: `  edgesim call sip:2000@acano.steven.lab
  edgesim call sip:2000@cms.steven.lab --from sip:alice@skype.lab --timeout 5s
  edgesim call sip:2000@acano.steven.lab --duration 10s --json`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(_ *cobra.Command, argv []string) error {
			return a.runCall(argv[0], from, timeout, duration, asJSON)
		},
	}
	f := c.Flags()
	f.StringVar(&from, "from", "", "the calling Skype user (default sip:stejanss@<first edge.domains entry>)")
	f.DurationVar(&timeout, "timeout", 10*time.Second, "bound on DNS, connect, TLS and the final answer together")
	f.DurationVar(&duration, "duration", 2*time.Second, "how long an answered call is held before BYE")
	f.BoolVar(&asJSON, "json", false, "print one JSON result object instead of the steps")
	return c
}

// runCall places one call; from "" is the default Skype user of the first edge.domains entry.
func (a *app) runCall(to, from string, timeout, duration time.Duration, asJSON bool) error {
	if _, err := edge.ParseSIPURI(to); err != nil {
		return usageErr(err)
	}
	if timeout <= 0 || duration < 0 {
		return usageErr(fmt.Errorf("--timeout must be positive and --duration not negative"))
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	if from == "" {
		from = "sip:stejanss@" + cfg.Edge.Domains[0]
	}
	if _, err := edge.ParseSIPURI(from); err != nil {
		return usageErr(fmt.Errorf("--from: %w", err))
	}
	lab, log, err := a.openLab(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(a.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	var events func(edge.Step)
	if !asJSON {
		fmt.Fprintf(a.stdout, "Calling %s from %s through Edge %s\n", to, from, cfg.Edge.FQDN)
		events = func(s edge.Step) { printStep(a.stdout, s) }
	}
	o := &edge.Outbound{Lab: lab, Logger: log}
	res := o.Call(ctx, edge.CallRequest{From: from, To: to, Timeout: timeout, Duration: duration}, events)
	if asJSON {
		if err := writeJSON(a.stdout, res); err != nil {
			return err
		}
	} else {
		printCallResult(a.stdout, res, lab.EdgeLogFile)
	}
	if !res.Answered {
		return errFailed
	}
	return nil
}

// printStep writes one step; SIP messages show their headers only when they matter to the reader:
// the INVITE, final responses and a BYE.
func printStep(w io.Writer, s edge.Step) {
	mark := "ok"
	if !s.OK {
		mark = "FAIL"
	}
	fmt.Fprintf(w, "  %-12s %-4s %s\n", s.Kind, mark, s.Text)
	if (s.Kind == edge.StepSent || s.Kind == edge.StepReceived) && !sipDetailWanted(s.Text) {
		return
	}
	for _, d := range s.Detail {
		fmt.Fprintf(w, "  %-12s %-4s   %s\n", "", "", d)
	}
}

func sipDetailWanted(startLine string) bool {
	if strings.HasPrefix(startLine, "INVITE ") || strings.HasPrefix(startLine, "BYE ") {
		return true
	}
	f := strings.Fields(startLine)
	return len(f) > 1 && f[0] == "SIP/2.0" && f[1] >= "200"
}

func printCallResult(w io.Writer, r edge.CallResult, logFile string) {
	fmt.Fprintln(w)
	switch {
	case r.Answered:
		fmt.Fprintf(w, "Result: answered %d %s, hung up by the %s (%s)\n", r.Status, r.Reason, r.EndedBy, r.Elapsed.Round(time.Millisecond))
	case r.Status == 0:
		fmt.Fprintf(w, "Result: failed: %s\n", r.Error)
		return
	case !r.InviteSent:
		fmt.Fprintf(w, "Result: refused by the Edge with %d %s (ms-diagnostics %d): the INVITE was never sent\n", r.Status, r.Reason, r.DiagnosticCode)
	default:
		fmt.Fprintf(w, "Result: %d %s after the INVITE went out (ms-diagnostics %d)\n", r.Status, r.Reason, r.DiagnosticCode)
	}
	if r.Error != "" && r.Status != 0 {
		fmt.Fprintf(w, "  note: %s\n", r.Error)
	}
	fmt.Fprintf(w, "\nAs the Skype client sees it:\n%s", crlfToLF(r.SkypeView))
	if r.EdgeLog != "" {
		fmt.Fprintf(w, "\nEdge log record (appended to %s):\n%s", logFile, crlfToLF(r.EdgeLog))
	}
}

// crlfToLF keeps the terminal tidy; --json and the Edge log file keep the wire's CRLF.
func crlfToLF(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
