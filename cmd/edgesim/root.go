package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge"
)

// Exit codes shared by every command.
const (
	exitOK     = 0
	exitFailed = 1 // the thing checked failed
	exitUsage  = 2 // usage, configuration or input error
)

// exitError carries a command's exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(err error) error { return &exitError{exitUsage, err} }

// failed ends a command with exit 1 after it has already printed its result.
var errFailed = &exitError{exitFailed, errors.New("")}

// app is the state every command shares: flags, the loaded configuration and the logger.
type app struct {
	ctx            context.Context
	stdout, stderr io.Writer
	v              *viper.Viper
	configFile     string
	logLevel       string
	logFormat      string
}

// Main runs the CLI and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	return runCLI(context.Background(), args, stdout, stderr)
}

// runCLI is Main with a context whose end stops long-running commands, as a signal does.
func runCLI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{ctx: ctx, stdout: stdout, stderr: stderr}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err.Error() != "" {
			fmt.Fprintln(stderr, "edgesim:", ee.err)
		}
		return ee.code
	}
	// cobra's own errors are about flags and arguments.
	fmt.Fprintln(stderr, "edgesim:", err)
	return exitUsage
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "edgesim",
		Short: "A Skype for Business / Lync Edge server simulator for SIP federation labs",
		Long: `edgesim listens like a Skype for Business Edge (SIP over mutual TLS on 5061), applies the Edge's
DNS SRV and certificate rules to federated peers, and answers with the real Edge's 504s, ms-diagnostics
and Edge-log records. It also calls out as a Skype user, and ships its own lab DNS and lab PKI.`,
		Example: `  edgesim run                         # the seed's lab on loopback
  edgesim certs issue --cn vcse.acano.steven.lab --out vcse
  edgesim call sip:2000@acano.steven.lab
  edgesim scenario run --all`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageErr(err) })
	pf := root.PersistentFlags()
	pf.StringVar(&a.configFile, "config", "", "configuration file (default ./edgesim.yaml when present)")
	pf.StringVar(&a.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	pf.StringVar(&a.logFormat, "log-format", "console", "log format: console or json")
	root.AddCommand(a.certsCmd(), a.runCmd(), a.versionCmd(), a.healthCmd(), a.callCmd(), a.subscribeCmd(), a.checkCmd(), a.scenarioCmd(), a.regressCmd())
	return root
}

// writeJSON prints one indented JSON document, the form every --json flag promises.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// openLab builds the process logger and the lab from cfg, as every command that runs the Edge does.
func (a *app) openLab(cfg config.Config) (*edge.Lab, zerolog.Logger, error) {
	log, err := a.logger()
	if err != nil {
		return nil, log, err
	}
	lab, err := edge.OpenLab(cfg)
	if err != nil {
		return nil, log, usageErr(err)
	}
	return lab, log, nil
}

// args wraps cobra's argument validators so a wrong count exits 2.
func args(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, a []string) error {
		if err := v(c, a); err != nil {
			return usageErr(err)
		}
		return nil
	}
}
