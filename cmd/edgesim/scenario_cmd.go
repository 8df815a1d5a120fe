package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/edgesim/edgesim/scenarios"
)

// scenarioFlags are shared by the scenario subcommands.
type scenarioFlags struct {
	dir      string
	json     bool
	all      bool
	junit    string
	parallel int
	noRun    bool
	pcapng   string
}

func (a *app) scenarioCmd() *cobra.Command {
	f := &scenarioFlags{}
	c := &cobra.Command{
		Use:   "scenario",
		Short: "The training library: list, show and run named Edge federation failures",
		Long: `Scenarios are named lab setups: the lab DNS zones, the Expressway-E's certificate, the Edge's
configuration and a call, with the outcome a trainee must see. They are embedded in edgesim
(scenarios/library) and can also be read from a folder of YAML files with --dir. The file format is
documented in scenarios/README.md.`,
		Example: `  edgesim scenario list
  edgesim scenario show cert-missing-srv-fqdn-inbound
  edgesim scenario run --all --junit scenarios.xml
  edgesim run --scenario srv-points-to-other-domain-inbound`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	c.PersistentFlags().StringVar(&f.dir, "dir", "", "read scenarios from this folder instead of the embedded library")
	c.AddCommand(a.scenarioListCmd(f), a.scenarioShowCmd(f), a.scenarioRunCmd(f))
	return c
}

func (a *app) scenarioListCmd(f *scenarioFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "list",
		Short: "List the scenarios with their direction and expected result",
		Example: `  edgesim scenario list
  edgesim scenario list --json | jq -r '.[] | select(.expect.diagnostic == 1010) | .name'
  edgesim scenario list --dir ./my-scenarios`,
		Args: args(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			list, err := loadScenarios(f.dir)
			if err != nil {
				return err
			}
			if f.json {
				return writeJSON(a.stdout, list)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tDIRECTION\tEXPECTED (status diagnostic result-code)\tTITLE")
			for _, s := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, s.Direction, expectShort(s.Expect), s.Title)
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&f.json, "json", false, "print the scenarios as JSON")
	return c
}

func (a *app) scenarioShowCmd(f *scenarioFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a scenario: story, zones, certificates and the expected wire text",
		Long: `Show everything a trainer needs about one scenario: the story to read aloud, the DNS zones it
changes, the Expressway-E's certificate, the Edge's configuration overrides and the expected outcome.
Unless --no-run is given, the scenario is also played once in a temporary lab on loopback so the
exact wire text and Edge-log record can be shown. A name without its -inbound/-outbound suffix
shows both directions of the fault.`,
		Example: `  edgesim scenario show srv-points-to-subdomain-outbound
  edgesim scenario show cert-wildcard-inbound --no-run
  edgesim scenario show cert-wildcard            # both twins`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(_ *cobra.Command, names []string) error {
			list, err := loadScenarios(f.dir)
			if err != nil {
				return err
			}
			fam, err := findScenarios(list, names[0])
			if err != nil {
				return err
			}
			log, err := a.scenarioLogger()
			if err != nil {
				return err
			}
			for i, s := range fam {
				if i > 0 {
					fmt.Fprintf(a.stdout, "\n%s\n\n", strings.Repeat("─", 100))
				}
				a.printScenario(s)
				if !f.noRun {
					a.printCapture(scenarios.Run(a.ctx, s, scenarios.Options{Logger: log}))
				}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&f.noRun, "no-run", false, "do not play the scenario to capture its wire text")
	return c
}

func (a *app) scenarioRunCmd(f *scenarioFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "run [NAME...]",
		Short: "Play scenarios end to end on loopback and check their expected outcome",
		Long: `Play each scenario in a fresh temporary lab on 127.0.0.1 (every port chosen by the system): the Edge,
the lab DNS and the Expressway-E stand-in, with certificates issued as the scenario says. The call is
placed in the scenario's direction, and the SIP status, the ms-diagnostics code and the Edge log's
Result-Code are compared with the scenario's expect block. A name without its -inbound/-outbound
suffix runs both directions of the fault.

Exit status: 0 when every scenario matched, 1 when any did not, 2 for usage errors such as an
unknown scenario name.`,
		Example: `  edgesim scenario run --all
  edgesim scenario run cert-expired-inbound cert-expired-outbound
  edgesim scenario run cert-expired                 # the same two
  edgesim scenario run --all --junit scenarios.xml
  edgesim scenario run --all --json > results.json`,
		Args: args(cobra.ArbitraryArgs),
		RunE: func(_ *cobra.Command, names []string) error { return a.runScenarioCmd(f, names) },
	}
	c.Flags().BoolVar(&f.all, "all", false, "run every scenario")
	c.Flags().StringVar(&f.junit, "junit", "", "also write a JUnit XML report to this file")
	c.Flags().BoolVar(&f.json, "json", false, "print the results as JSON instead of a table")
	c.Flags().IntVar(&f.parallel, "parallel", 0, "scenarios run at once (0: one per CPU, at least 2)")
	c.Flags().StringVar(&f.pcapng, "pcapng", "", pcapngFlagHelp+" (every scenario run goes into it)")
	return c
}

func (a *app) runScenarioCmd(f *scenarioFlags, names []string) error {
	list, err := loadScenarios(f.dir)
	if err != nil {
		return err
	}
	chosen, err := chooseScenarios(list, names, f.all)
	if err != nil {
		return err
	}
	if f.parallel < 0 {
		return usageErr(fmt.Errorf("--parallel %d: want 0 (automatic) or more", f.parallel))
	}
	log, err := a.scenarioLogger()
	if err != nil {
		return err
	}
	rec, err := openAttemptCapture(f.pcapng, log)
	if err != nil {
		return err
	}
	start := time.Now()
	results := a.runScenarios(chosen, scenarios.Options{Logger: log, Recorder: rec}, f.parallel)
	elapsed := time.Since(start)
	if err := a.closeAttemptCapture(rec, f.pcapng, true); err != nil {
		return err
	}
	if f.junit != "" {
		if err := writeJUnit(f.junit, results, elapsed); err != nil {
			return usageErr(err)
		}
	}
	if f.json {
		if err := writeJSON(a.stdout, results); err != nil {
			return err
		}
	} else {
		a.printResults(results, elapsed)
		if f.pcapng != "" {
			fmt.Fprintf(a.stdout, "Capture of every run (TLS keys inside, Wireshark opens it decrypted): %s\n", f.pcapng)
		}
	}
	for _, r := range results {
		if !r.Pass {
			return errFailed
		}
	}
	return nil
}

// chooseScenarios is every scenario with all, else those the names (or their families) name, once each.
func chooseScenarios(list []*scenarios.Scenario, names []string, all bool) ([]*scenarios.Scenario, error) {
	switch {
	case all && len(names) > 0:
		return nil, usageErr(errors.New("give scenario names or --all, not both"))
	case all:
		return list, nil
	case len(names) == 0:
		return nil, usageErr(errors.New("name the scenarios to run, or use --all (edgesim scenario list shows them)"))
	}
	var chosen []*scenarios.Scenario
	for _, n := range names {
		fam, err := findScenarios(list, n)
		if err != nil {
			return nil, err
		}
		for _, s := range fam {
			if !slices.Contains(chosen, s) {
				chosen = append(chosen, s)
			}
		}
	}
	return chosen, nil
}

// scenarioLogger is the runner's process log: silent unless --log-level debug, because refusals are
// what scenarios are made of and would drown the table.
func (a *app) scenarioLogger() (zerolog.Logger, error) {
	log, err := a.logger()
	if err != nil {
		return log, err
	}
	if log.GetLevel() > zerolog.DebugLevel {
		sipgoSink.set(slog.DiscardHandler)
		return zerolog.Nop(), nil
	}
	return log, nil
}

func loadScenarios(dir string) ([]*scenarios.Scenario, error) {
	var list []*scenarios.Scenario
	var err error
	if dir == "" {
		list, err = scenarios.Library()
	} else {
		list, err = scenarios.LoadDir(dir)
	}
	if err != nil {
		return nil, usageErr(err)
	}
	return list, nil
}

// loadScenario reads NAME from the library, or a scenario file when the argument is a path.
func loadScenario(arg string) (*scenarios.Scenario, error) {
	if strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml") || strings.ContainsRune(arg, os.PathSeparator) {
		s, err := scenarios.LoadFile(arg)
		if err != nil {
			return nil, usageErr(err)
		}
		return s, nil
	}
	list, err := loadScenarios("")
	if err != nil {
		return nil, err
	}
	fam, err := findScenarios(list, arg)
	if err != nil {
		return nil, err
	}
	for _, s := range fam {
		if s.Direction == scenarios.Inbound {
			return s, nil // edgesim run serves calls coming in: the inbound twin is the one it plays
		}
	}
	return fam[0], nil
}

// findScenarios resolves a name, or a family name without -inbound/-outbound, to scenarios.
func findScenarios(list []*scenarios.Scenario, name string) ([]*scenarios.Scenario, error) {
	fam, err := scenarios.Family(list, name)
	if err == nil {
		return fam, nil
	}
	var near []string
	for _, o := range list {
		if strings.Contains(o.Name, name) || strings.Contains(name, strings.TrimSuffix(strings.TrimSuffix(o.Name, "-inbound"), "-outbound")) {
			near = append(near, o.Name)
		}
	}
	if len(near) > 0 {
		err = fmt.Errorf("%w; did you mean %s?", err, strings.Join(near, ", "))
	} else {
		err = fmt.Errorf("%w (edgesim scenario list shows them)", err)
	}
	return nil, usageErr(err)
}

// runScenarios runs the list with a progress line on stderr: rewritten in place on a terminal,
// a line at the start and one at the end otherwise.
func (a *app) runScenarios(list []*scenarios.Scenario, opts scenarios.Options, parallel int) []scenarios.Result {
	tty := isTerminal(a.stderr)
	total, done, failed := len(list), 0, 0
	if !tty {
		fmt.Fprintf(a.stderr, "running %d scenario(s)…\n", total)
	}
	progress := func(r scenarios.Result) {
		done++
		if !r.Pass {
			failed++
		}
		if tty {
			fmt.Fprintf(a.stderr, "\r\033[K[%d/%d] %d not as expected · last: %s", done, total, failed, r.Name)
		}
	}
	ctx, cancel := context.WithCancel(a.ctx)
	defer cancel()
	results := scenarios.RunAll(ctx, list, opts, parallel, progress)
	if tty {
		fmt.Fprint(a.stderr, "\r\033[K")
	} else {
		fmt.Fprintf(a.stderr, "ran %d scenario(s): %d not as expected\n", total, failed)
	}
	return results
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
