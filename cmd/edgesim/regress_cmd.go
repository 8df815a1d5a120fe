package main

import (
	"crypto/tls"
	"errors"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/regress"
)

type regressFlags struct {
	junit, json, record, baseline, callerCert string
}

func (a *app) regressCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "regress",
		Short: "The federation matrix through a real Expressway, both directions: init writes a plan, run plays it",
		Example: `  edgesim regress init --entry tcp:192.0.2.20:5060 --answerer 192.0.2.10:5070 --out plan.yaml
  edgesim regress run plan.yaml --record before.json
  edgesim regress run plan.yaml --baseline before.json`,
		Args: args(cobra.NoArgs),
	}
	c.AddCommand(a.regressRunCmd(), a.regressInitCmd())
	return c
}

func (a *app) regressRunCmd() *cobra.Command {
	var f regressFlags
	c := &cobra.Command{
		Use:   "run PLAN",
		Short: "Play a federation plan through a real Expressway, both directions (exit 0 all as expected, 1 otherwise)",
		Long: `Play the cases of a plan file through the Expressway-E (or another SIP proxy in its seat), with
edgesim at both outer ends. Inbound (UC → Skype), edgesim's UC-side caller sends to the Expressway's
entry point, which routes through its DNS zone (the lab DNS) to the Edge. Outbound (Skype → UC), the
Edge calls exactly as edgesim call does and the Expressway routes to edgesim's UC-side answerer. Each
case runs on a fresh Edge with its own zones, edge overrides or a library scenario's; the Expressway
itself is never touched. Both ends are reported: the answer at the far end, the Edge's verdict and
Edge-log Result-Code (from its attempt record, correlated by a per-case token), and whether the
request reached the UC side. --record saves each case's observed facts; --baseline compares with a
recorded run, prints only what changed and fails on any drift: the before/after-upgrade check.`,
		Example: `  edgesim regress run plan.yaml --junit regress.xml --record before.json
  edgesim regress run plan.yaml --baseline before.json`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(_ *cobra.Command, argv []string) error { return a.runRegress(argv[0], f) },
	}
	fl := c.Flags()
	fl.StringVar(&f.junit, "junit", "", "write JUnit XML to this file")
	fl.StringVar(&f.json, "json", "", "write the report, attempt records included, as JSON to this file")
	fl.StringVar(&f.record, "record", "", "save each case's observed facts (the report as JSON) for a later --baseline")
	fl.StringVar(&f.baseline, "baseline", "", "a recorded run: print the cases that changed and fail on any drift")
	fl.StringVar(&f.callerCert, "caller-cert", "", "PREFIX of the UC caller's client certificate (PREFIX.pem, PREFIX.key) for a TLS entry point")
	return c
}

func (a *app) runRegress(file string, f regressFlags) error {
	plan, err := regress.ParseFile(file)
	if err != nil {
		return usageErr(err)
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	log, err := a.logger()
	if err != nil {
		return err
	}
	opts := regress.Options{Config: cfg, Logger: log}
	if opts.CallerCert, err = callerCert(f.callerCert); err != nil {
		return usageErr(err)
	}
	var base *regress.Report
	if f.baseline != "" {
		if base, err = regress.ReadReport(f.baseline); err != nil {
			return usageErr(err)
		}
	}
	ctx, stop := signal.NotifyContext(a.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := regress.Run(ctx, plan, opts)
	var busy *regress.BusyError
	if errors.As(err, &busy) {
		// Another Edge on these listeners would answer the Expressway instead: nothing is played.
		return usageErr(err)
	}
	if rep == nil {
		return err
	}
	return a.regressOutputs(rep, base, f)
}

func (a *app) regressOutputs(rep *regress.Report, base *regress.Report, f regressFlags) error {
	if err := rep.WriteTable(a.stdout); err != nil {
		return err
	}
	if f.junit != "" {
		if err := rep.WriteJUnit(f.junit); err != nil {
			return err
		}
	}
	for _, file := range []string{f.json, f.record} {
		if file != "" {
			if err := rep.WriteJSON(file); err != nil {
				return err
			}
		}
	}
	drift := false
	if base != nil {
		changes := regress.Diff(base, rep)
		drift = len(changes) > 0
		if err := regress.WriteDiff(a.stdout, f.baseline, changes); err != nil {
			return err
		}
	}
	if !rep.Passed() || drift {
		return errFailed
	}
	return nil
}

func callerCert(prefix string) (*tls.Certificate, error) {
	if prefix == "" {
		return nil, nil
	}
	prefix = strings.TrimSuffix(prefix, ".pem")
	c, err := certs.LoadKeyPair(prefix+".pem", prefix+".key")
	if err != nil {
		return nil, err
	}
	return &c, nil
}

func (a *app) regressInitCmd() *cobra.Command {
	var entry, answerer, out string
	c := &cobra.Command{
		Use:   "init --entry udp|tcp|tls:HOST:PORT --answerer HOST:PORT",
		Short: "Write a commented starter plan for the seed's lab: at least ten cases over both directions",
		Example: `  edgesim regress init --entry tcp:192.0.2.20:5060 --answerer 192.0.2.10:5070 --out plan.yaml
  edgesim regress run plan.yaml --record before.json`,
		Args: args(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error { return a.runRegressInit(entry, answerer, out) },
	}
	c.Flags().StringVar(&entry, "entry", "", "the Expressway's UC-facing SIP listener: udp:HOST:PORT, tcp:HOST:PORT or tls:HOST:PORT (required)")
	c.Flags().StringVar(&answerer, "answerer", "", "where edgesim's UC-side answerer listens, HOST:PORT (required)")
	c.Flags().StringVar(&out, "out", "", "write the plan to this file instead of standard output")
	return c
}

func (a *app) runRegressInit(entry, answerer, out string) error {
	transport, hostPort, err := regress.ParseEntry(entry)
	if err != nil {
		return usageErr(err)
	}
	plan, err := regress.StarterPlan(regress.StarterOptions{Transport: transport, Entry: hostPort, Answerer: answerer})
	if err != nil {
		return usageErr(err)
	}
	if out == "" {
		_, err = io.WriteString(a.stdout, plan)
		return err
	}
	return os.WriteFile(out, []byte(plan), 0o644)
}
