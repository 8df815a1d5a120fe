package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/edgesim/edgesim/scenarios"
	"github.com/edgesim/edgesim/sipstack"
)

// scenarioFlags are shared by the scenario subcommands.
type scenarioFlags struct {
	dir      string
	json     bool
	all      bool
	junit    string
	parallel int
	noRun    bool
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
		RunE: func(_ *cobra.Command, names []string) error {
			list, err := loadScenarios(f.dir)
			if err != nil {
				return err
			}
			var chosen []*scenarios.Scenario
			switch {
			case f.all && len(names) > 0:
				return usageErr(errors.New("give scenario names or --all, not both"))
			case f.all:
				chosen = list
			case len(names) == 0:
				return usageErr(errors.New("name the scenarios to run, or use --all (edgesim scenario list shows them)"))
			default:
				for _, n := range names {
					fam, err := findScenarios(list, n)
					if err != nil {
						return err
					}
					for _, s := range fam {
						if !slices.Contains(chosen, s) {
							chosen = append(chosen, s)
						}
					}
				}
			}
			if f.parallel < 0 {
				return usageErr(fmt.Errorf("--parallel %d: want 0 (automatic) or more", f.parallel))
			}
			log, err := a.scenarioLogger()
			if err != nil {
				return err
			}
			start := time.Now()
			results := a.runScenarios(chosen, log, f.parallel)
			elapsed := time.Since(start)
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
			}
			for _, r := range results {
				if !r.Pass {
					return errFailed
				}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&f.all, "all", false, "run every scenario")
	c.Flags().StringVar(&f.junit, "junit", "", "also write a JUnit XML report to this file")
	c.Flags().BoolVar(&f.json, "json", false, "print the results as JSON instead of a table")
	c.Flags().IntVar(&f.parallel, "parallel", 0, "scenarios run at once (0: one per CPU, at least 2)")
	return c
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
func (a *app) runScenarios(list []*scenarios.Scenario, log zerolog.Logger, parallel int) []scenarios.Result {
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
	results := scenarios.RunAll(ctx, list, scenarios.Options{Logger: log}, parallel, progress)
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

func (a *app) printResults(results []scenarios.Result, elapsed time.Duration) {
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RESULT\tNAME\tDIRECTION\tEXPECTED\tGOT\tTIME")
	failed := 0
	for _, r := range results {
		mark := "ok"
		if !r.Pass {
			mark, failed = "FAIL", failed+1
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", mark, r.Name, r.Direction, expectShort(r.Expect), gotShort(r.Got), r.Duration.Round(time.Millisecond))
	}
	_ = tw.Flush()
	for _, r := range results {
		if r.Pass {
			continue
		}
		fmt.Fprintf(a.stdout, "\nFAIL %s: %s\n", r.Name, r.Title)
		for _, m := range r.Mismatches {
			fmt.Fprintf(a.stdout, "  - %s\n", m)
		}
		a.printEvidence(r, "  ")
	}
	fmt.Fprintf(a.stdout, "\n%d scenario(s) in %s: %d as expected, %d not\n", len(results), elapsed.Round(time.Millisecond), len(results)-failed, failed)
}

// printEvidence shows what a run captured: the wire text, the Edge-log record, the steps and notes.
func (a *app) printEvidence(r scenarios.Result, indent string) {
	w := a.stdout
	block := func(title, text string) {
		text = strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
		if text == "" {
			return
		}
		fmt.Fprintf(w, "%s%s:\n", indent, title)
		for _, l := range strings.Split(text, "\n") {
			fmt.Fprintf(w, "%s  %s\n", indent, l)
		}
	}
	side := "as the Expressway-E received it"
	if r.Direction == scenarios.Outbound {
		side = "as the Skype client receives it"
	}
	if r.Wire == "" {
		fmt.Fprintf(w, "%sresponse: none - no SIP answer came back\n", indent)
	}
	block("response "+side, r.Wire)
	block("Edge log", r.EdgeLog)
	block("what the Edge did", strings.Join(r.Steps, "\n"))
	if r.Direction == scenarios.Outbound {
		saw := "nothing"
		if len(r.PeerSaw) > 0 {
			saw = strings.Join(r.PeerSaw, "\n")
		}
		block("what reached the Expressway-E", saw)
	}
	block("notes", strings.Join(r.Notes, "\n"))
}

func (a *app) printScenario(s *scenarios.Scenario) {
	w := a.stdout
	fmt.Fprintf(w, "%s\n%s\n\n", s.Name, s.Title)
	dir := "inbound: the Expressway-E calls into the Edge (UC → Skype)"
	if s.Direction == scenarios.Outbound {
		dir = "outbound: a Skype user calls out through the Edge (Skype → UC)"
	}
	fmt.Fprintf(w, "Direction:  %s\nCall:       %s → %s\nFile:       %s\n\n", dir, s.Call.From, s.Call.To, s.File)
	fmt.Fprintln(w, "Story")
	for _, l := range strings.Split(strings.TrimRight(s.Story, "\n"), "\n") {
		fmt.Fprintf(w, "  %s\n", l)
	}
	fmt.Fprintln(w, "\nDNS zones (these replace the seed lab's zones of the same domains; the others stay as edgesim run serves them)")
	if len(s.Zones) == 0 {
		fmt.Fprintln(w, "  none: the seed's lab, correctly configured")
	}
	for _, d := range sortedKeys(s.Zones) {
		fmt.Fprintf(w, "  %s:\n", d)
		text := strings.TrimRight(s.Zones[d], "\n")
		if text == "" {
			fmt.Fprintln(w, "    (empty: the domain publishes nothing)")
		}
		for _, l := range strings.Split(text, "\n") {
			if l != "" {
				fmt.Fprintf(w, "    %s\n", l)
			}
		}
	}
	fmt.Fprintln(w, "\nExpressway-E stand-in")
	fmt.Fprintf(w, "  behaviour:    %s\n", s.Peer.Behaviour)
	if s.Peer.FQDN != "" {
		fmt.Fprintf(w, "  FQDN:         %s\n", s.Peer.FQDN)
	}
	if c := s.Peer.Cert; c != nil {
		fmt.Fprintf(w, "  certificate:  %s\n", certLine(*c))
	} else {
		fmt.Fprintln(w, "  certificate:  none presented")
	}
	if s.Peer.Behaviour == scenarios.BehaviourFail {
		fmt.Fprintf(w, "  answers:      %d %s", s.Peer.FailStatus, s.Peer.FailReason)
		if s.Peer.FailDiagnostics != "" {
			fmt.Fprintf(w, " with ms-diagnostics: %s", s.Peer.FailDiagnostics)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "\nEdge configuration (over the defaults)")
	if s.EdgeOverrides == "" {
		fmt.Fprintln(w, "  none: the defaults")
	}
	for _, l := range strings.Split(s.EdgeOverrides, "\n") {
		if l != "" {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	fmt.Fprintln(w, "\nExpected")
	e := s.Expect
	who := "the Expressway-E receives"
	if s.Direction == scenarios.Outbound {
		who = "the Skype client receives"
	}
	if e.Status == 0 {
		fmt.Fprintf(w, "  %s no SIP answer at all: the TLS handshake is refused\n", who)
	} else {
		fmt.Fprintf(w, "  %s:  SIP/2.0 %d %s\n", who, e.Status, sipstack.ReasonPhrase(e.Status))
	}
	if e.Diagnostic != 0 {
		fmt.Fprintf(w, "  ms-diagnostics: %d;reason=%q;…\n", e.Diagnostic, scenarios.DiagnosticReason(e.Diagnostic))
		for _, part := range e.DiagnosticContains {
			fmt.Fprintf(w, "    containing %s\n", part)
		}
	} else if e.Status != 0 {
		fmt.Fprintln(w, "  ms-diagnostics: none")
	}
	if e.ResultCode != "" {
		name := ""
		if rc, ok := scenarios.ResultCodes[e.ResultCode]; ok {
			name = " " + rc.Name
		}
		fmt.Fprintf(w, "  Edge log:       Result-Code: %s%s\n", e.ResultCode, name)
	} else {
		fmt.Fprintln(w, "  Edge log:       no record")
	}
	if e.ReachesPeer != nil {
		if *e.ReachesPeer {
			fmt.Fprintln(w, "  Expressway-E:   the INVITE arrives")
		} else {
			fmt.Fprintln(w, "  Expressway-E:   nothing arrives")
		}
	}
}

func (a *app) printCapture(r scenarios.Result) {
	fmt.Fprintf(a.stdout, "\nCaptured from a run in a temporary lab just now (%s)", r.Duration.Round(time.Millisecond))
	if r.Pass {
		fmt.Fprintln(a.stdout, ": as expected")
	} else {
		fmt.Fprintln(a.stdout, ": NOT as expected")
		for _, m := range r.Mismatches {
			fmt.Fprintf(a.stdout, "  - %s\n", m)
		}
	}
	a.printEvidence(r, "  ")
}

func certLine(c scenarios.Cert) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CN=%s", c.CN)
	switch {
	case c.NoSAN:
		b.WriteString(", no SAN extension")
	case len(c.SANs) > 0:
		fmt.Fprintf(&b, ", SAN DNS=%s", strings.Join(c.SANs, ","))
	default:
		fmt.Fprintf(&b, ", SAN DNS=%s", c.CN)
	}
	desc := map[string]string{"lab": "the lab CA, which the Edge trusts", "untrusted": "a private CA the Edge does not trust",
		"public": "the lab's public CA, trusted like a public root (also by Office 365)"}[c.Issuer]
	fmt.Fprintf(&b, "; issued by %s (%s)", c.Issuer, desc)
	if c.Expired {
		b.WriteString("; EXPIRED")
	}
	return b.String()
}

func expectShort(e scenarios.Expect) string {
	return outcomeShort(e.Status, e.Diagnostic, e.ResultCode)
}

func gotShort(g scenarios.Observed) string {
	return outcomeShort(g.Status, g.Diagnostic, g.ResultCode)
}

func outcomeShort(status, diag int, result string) string {
	if status == 0 {
		return "no SIP answer"
	}
	d, r := "-", "-"
	if diag != 0 {
		d = strconv.Itoa(diag)
	}
	if result != "" {
		r = result
	}
	return strconv.Itoa(status) + " " + d + " " + r
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
