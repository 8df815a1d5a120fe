package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge"
)

// callFlags are what call and subscribe take from the command line.
type callFlags struct {
	from              string
	timeout, duration time.Duration
	asJSON            bool
	im                string
	subscribe         bool
	pcapng            string
}

func (a *app) callCmd() *cobra.Command {
	var fl callFlags
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
in-process.

For the length of the call, call listens on edge.listen as the Edge does, so the far end's BYE on a
new connection to the Edge's Record-Route reaches it. When an 'edgesim run' already holds edge.listen,
call asks that Edge to place the call through its console (POST /api/calls on console.listen, with
console.token when set), so one process holds every dialog; it says which path it took.`,
		Example: `  edgesim call sip:2000@acano.steven.lab
  edgesim call sip:2000@cms.steven.lab --from sip:alice@skype.lab --timeout 5s
  edgesim call sip:2000@acano.steven.lab --duration 10s --json
  edgesim call sip:2000@acano.steven.lab --im "hello from Skype"`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(_ *cobra.Command, argv []string) error { return a.runCall(argv[0], fl) },
	}
	f := c.Flags()
	callFlagSet(f, &fl)
	f.DurationVar(&fl.duration, "duration", 2*time.Second, "how long an answered call is held before BYE")
	f.StringVar(&fl.im, "im", "", "an IM session instead of audio: INVITE for a message session, then this text as a MESSAGE")
	return c
}

func (a *app) subscribeCmd() *cobra.Command {
	fl := callFlags{subscribe: true}
	c := &cobra.Command{
		Use:   "subscribe SIP-URI",
		Short: "Fetch a federated contact's presence as a Skype user: the Edge's outbound checks, then a SUBSCRIBE (exit 0 on a 2xx)",
		Long: `Watch a federated contact's presence from a Skype user, as Lync does across federation: the same
outbound rules as a call, then SUBSCRIBE with Event: presence, Lync's Accept list and ms-benotify, and
Expires: 0 (a one-shot fetch). The first NOTIFY's body is printed; the far end ends the subscription.`,
		Example: `  edgesim subscribe sip:2000@acano.steven.lab
  edgesim subscribe sip:2000@acano.steven.lab --json`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(_ *cobra.Command, argv []string) error { return a.runCall(argv[0], fl) },
	}
	callFlagSet(c.Flags(), &fl)
	return c
}

func callFlagSet(f *pflag.FlagSet, fl *callFlags) {
	f.StringVar(&fl.from, "from", "", "the Skype user (default sip:stejanss@<first edge.domains entry>)")
	f.DurationVar(&fl.timeout, "timeout", 10*time.Second, "bound on DNS, connect, TLS and the final answer together")
	f.BoolVar(&fl.asJSON, "json", false, "print one JSON result object instead of the steps")
	f.StringVar(&fl.pcapng, "pcapng", "", pcapngFlagHelp)
}

// runCall places one call or subscription; from "" is the default Skype user of the first edge.domains entry.
func (a *app) runCall(to string, fl callFlags) error {
	from, timeout, duration, asJSON := fl.from, fl.timeout, fl.duration, fl.asJSON
	cfg, err := a.callConfig(to, &from, fl)
	if err != nil {
		return err
	}
	lab, log, err := a.openLab(cfg)
	if err != nil {
		return err
	}
	rec, err := openAttemptCapture(fl.pcapng, log)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(a.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	var events func(edge.Step)
	if !asJSON {
		verb := "Calling"
		if fl.subscribe {
			verb = "Subscribing to"
		}
		fmt.Fprintf(a.stdout, "%s %s from %s through Edge %s\n", verb, to, from, cfg.Edge.FQDN)
		events = func(s edge.Step) { printStep(a.stdout, s) }
	}
	req := edge.CallRequest{From: from, To: to, Timeout: timeout, Duration: duration, IM: fl.im}
	var out edge.CallResult
	if fl.subscribe {
		out = (&edge.Outbound{Lab: lab, Logger: log, Recorder: rec}).Subscribe(ctx, req, events)
	} else if out, err = a.placeCall(ctx, lab, log, rec, req, fl, events); err != nil {
		return errors.Join(err, a.closeAttemptCapture(rec, fl.pcapng, true))
	}
	if asJSON {
		return callOutcome(out, errors.Join(writeJSON(a.stdout, out), a.closeAttemptCapture(rec, fl.pcapng, true)))
	}
	printCallResult(a.stdout, out, lab.EdgeLogFile)
	return callOutcome(out, a.closeAttemptCapture(rec, fl.pcapng, false))
}

// callConfig checks the arguments and loads the configuration; an empty *from becomes the default
// Skype user of the first edge.domains entry.
func (a *app) callConfig(to string, from *string, fl callFlags) (config.Config, error) {
	if _, err := edge.ParseSIPURI(to); err != nil {
		return config.Config{}, usageErr(err)
	}
	if fl.timeout <= 0 || fl.duration < 0 {
		return config.Config{}, usageErr(fmt.Errorf("--timeout must be positive and --duration not negative"))
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return cfg, err
	}
	if *from == "" {
		*from = "sip:stejanss@" + cfg.Edge.Domains[0]
	}
	if _, err := edge.ParseSIPURI(*from); err != nil {
		return cfg, usageErr(fmt.Errorf("--from: %w", err))
	}
	return cfg, nil
}

// callOutcome is the exit code: 0 answered, 1 refused or failed.
func callOutcome(res edge.CallResult, err error) error {
	if err != nil {
		return err
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
	case r.Answered && r.Method == "SUBSCRIBE":
		fmt.Fprintf(w, "Result: subscription accepted %d %s, %d NOTIFY (%s)\n", r.Status, r.Reason, len(r.Notify), r.Elapsed.Round(time.Millisecond))
		for _, n := range r.Notify {
			fmt.Fprintf(w, "%s", crlfToLF(n))
		}
	case r.Answered:
		fmt.Fprintf(w, "Result: answered %d %s, hung up by the %s (%s)\n", r.Status, r.Reason, r.EndedBy, r.Elapsed.Round(time.Millisecond))
		if r.IMStatus != 0 {
			fmt.Fprintf(w, "  the IM's MESSAGE was answered %d\n", r.IMStatus)
		}
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
