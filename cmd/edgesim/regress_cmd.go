package main

import (
	"crypto/tls"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/regress"
)

type regressFlags struct {
	junit, json, baseline, callerCert string
	failOnDrift                       bool
}

func (a *app) regressCmd() *cobra.Command {
	var f regressFlags
	c := &cobra.Command{
		Use:   "regress PLAN",
		Short: "Play a federation plan through a real Expressway, both directions (exit 0 all as expected, 1 otherwise)",
		Long: `Play the cases of a plan file through the Expressway-E (or another SIP proxy in its seat), with
edgesim at both outer ends. Inbound (UC → Skype), edgesim's UC-side caller sends to the Expressway's
entry point, which routes through its DNS zone (the lab DNS) to the Edge. Outbound (Skype → UC), the
Edge calls exactly as edgesim call does and the Expressway routes to edgesim's UC-side answerer. Each
case runs on a fresh Edge with its own zones, edge overrides or a library scenario's; the Expressway
itself is never touched. Both ends are reported: the answer at the far end, the Edge's verdict and
Edge-log Result-Code (from its attempt record, correlated by a per-case token), and whether the
request reached the UC side. --baseline compares with a previous run's --json and prints only what
changed.`,
		Example: `  edgesim regress plan.yaml --junit regress.xml --json before.json
  edgesim regress plan.yaml --json after.json --baseline before.json`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(_ *cobra.Command, argv []string) error { return a.runRegress(argv[0], f) },
	}
	fl := c.Flags()
	fl.StringVar(&f.junit, "junit", "", "write JUnit XML to this file")
	fl.StringVar(&f.json, "json", "", "write the report, attempt records included, as JSON to this file")
	fl.StringVar(&f.baseline, "baseline", "", "a previous run's --json: print only the cases that changed")
	fl.BoolVar(&f.failOnDrift, "fail-on-drift", false, "exit 1 when anything changed against --baseline")
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
	if f.json != "" {
		if err := rep.WriteJSON(f.json); err != nil {
			return err
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
	if !rep.Passed() || (drift && f.failOnDrift) {
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
