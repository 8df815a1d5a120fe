package main

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/miekg/dns"
	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/labdns"
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
		fmt.Fprintf(w, "  %s:  SIP/2.0 %d %s\n", who, e.Status, scenarios.StatusReason(e.Status))
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

// JUnit XML, the subset CI systems read.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut junitText     `xml:"system-out"`
}

type junitText struct {
	Text string `xml:",cdata"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func writeJUnit(file string, results []scenarios.Result, elapsed time.Duration) error {
	suite := junitSuite{Name: "edgesim scenarios", Tests: len(results), Time: seconds(elapsed),
		Timestamp: time.Now().UTC().Format("2006-01-02T15:04:05")}
	for _, r := range results {
		out := fmt.Sprintf("%s\nexpected: %s\ngot:      %s\n", r.Title, expectShort(r.Expect), gotShort(r.Got))
		if r.Diagnostic != "" {
			out += "ms-diagnostics: " + r.Diagnostic + "\n"
		} else {
			out += "ms-diagnostics: none\n"
		}
		if r.Wire != "" {
			out += "\nresponse:\n" + strings.ReplaceAll(r.Wire, "\r\n", "\n")
		}
		if r.EdgeLog != "" {
			out += "\nEdge log:\n" + strings.ReplaceAll(r.EdgeLog, "\r\n", "\n")
		}
		for _, n := range r.Notes {
			out += "note: " + n + "\n"
		}
		c := junitCase{Name: r.Name, Classname: "edgesim.scenario." + string(r.Direction), Time: seconds(r.Duration), SystemOut: junitText{out}}
		if !r.Pass {
			suite.Failures++
			c.Failure = &junitFailure{Message: strings.Join(r.Mismatches, "; "), Type: "mismatch",
				Text: strings.Join(r.Mismatches, "\n")}
			if r.Error != "" {
				c.Failure.Type = "error"
			}
		}
		suite.Cases = append(suite.Cases, c)
	}
	doc := junitSuites{Name: "edgesim", Tests: suite.Tests, Failures: suite.Failures, Time: suite.Time, Suites: []junitSuite{suite}}
	data, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	data = append([]byte(xml.Header), append(data, '\n')...)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	return nil
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

// scenarioServe is what `edgesim run --scenario` prepared in the lab directory before the Edge starts.
type scenarioServe struct {
	asked             string // the name or file given to --scenario
	sc                *scenarios.Scenario
	peerCert, peerKey string // the Expressway-E's certificate as the scenario wants it
	peerCA            string // the CA file that issued it
	configFile        string // the configuration served, to reuse with --config
}

// prepareScenarioRun layers the scenario over the loaded configuration and issues its files into the
// lab directory, so a real Expressway-E can be set up the way the scenario says.
func (a *app) prepareScenarioRun(arg string, cfg config.Config) (*scenarioServe, config.Config, error) {
	sc, err := loadScenario(arg)
	if err != nil {
		return nil, cfg, err
	}
	dir, err := filepath.Abs(cfg.Lab.Dir)
	if err != nil {
		return nil, cfg, usageErr(fmt.Errorf("lab.dir: %w", err))
	}
	cfg.Lab.Dir = dir
	cas, err := scenarios.EnsureLabCAs(dir)
	if err != nil {
		return nil, cfg, usageErr(err)
	}
	sv := &scenarioServe{asked: arg, sc: sc}
	out := filepath.Join(dir, "scenarios", sc.Name)
	if err := os.MkdirAll(out, 0o700); err != nil {
		return nil, cfg, usageErr(err)
	}
	leaf, err := sc.IssuePeer(cas)
	if err != nil {
		return nil, cfg, usageErr(err)
	}
	if leaf != nil {
		if sv.peerCert, sv.peerKey, err = leaf.WriteFiles(filepath.Join(out, "expressway")); err != nil {
			return nil, cfg, usageErr(err)
		}
		sv.peerCA = cas[sc.Peer.Cert.IssuerName()].CertFile
	}
	if cfg, err = sc.Config(cfg); err != nil {
		return nil, cfg, usageErr(err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, cfg, usageErr(fmt.Errorf("scenario %s on this configuration:\n%w", sc.Name, err))
	}
	data, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, cfg, err
	}
	sv.configFile = filepath.Join(out, "edgesim.yaml")
	head := "# The configuration `edgesim run --scenario " + sc.Name + "` served; reuse it with --config.\n"
	if err := os.WriteFile(sv.configFile, append([]byte(head), data...), 0o600); err != nil {
		return nil, cfg, usageErr(err)
	}
	return sv, cfg, nil
}

// printScenarioServe tells the trainee what to create on the Expressway side to reproduce the scenario.
func (a *app) printScenarioServe(sv *scenarioServe, lab *edge.Lab, svc *edge.Service) {
	w, sc, cfg := a.stdout, sv.sc, lab.Config
	fmt.Fprintf(w, "\nScenario %s: %s\n  (edgesim scenario show %s tells the whole story)\n", sc.Name, sc.Title, sc.Name)
	if sv.asked+"-"+string(sc.Direction) == sc.Name {
		fmt.Fprintf(w, "  %s names a fault in both directions; edgesim run plays the %s one\n", sv.asked, sc.Direction)
	}
	host, port := "127.0.0.1", "5061"
	if ap, err := netip.ParseAddrPort(svc.SIPAddr().String()); err == nil {
		host, port = ap.Addr().String(), strconv.Itoa(int(ap.Port()))
		if ap.Addr().IsUnspecified() {
			host = "<this host's address>"
		}
	}
	fmt.Fprintln(w, "\n1. DNS records to create (in the DNS the Expressway-E uses; the lab DNS above already serves them)")
	fmt.Fprintf(w, "   so the Expressway-E finds this Edge:\n")
	fmt.Fprintf(w, "     _sipfederationtls._tcp.%s.  300 IN SRV 0 0 %s %s.\n", cfg.Edge.Domains[0], port, cfg.Edge.FQDN)
	fmt.Fprintf(w, "     %s.  300 IN A %s\n", cfg.Edge.FQDN, host)
	fmt.Fprintf(w, "   the scenario's own records (what the Edge finds for the UC side):\n")
	if zs, err := labdns.ParseZones(sc.Zones); err == nil && len(sc.Zones) > 0 {
		for _, rr := range zs.Records() {
			if t := rr.Header().Rrtype; t != dns.TypeSOA && t != dns.TypeNS {
				fmt.Fprintf(w, "     %s\n", strings.ReplaceAll(rr.String(), "\t", "  "))
			}
		}
	} else {
		fmt.Fprintln(w, "     none: the seed's lab records")
	}
	if sc.Direction == scenarios.Outbound {
		fmt.Fprintln(w, "   Their A records say 127.0.0.2 (the lab's Expressway side): change them to your Expressway-E's address in the")
		fmt.Fprintln(w, "   configuration file below before placing the call.")
	}
	fmt.Fprintln(w, "\n2. Files to load on the Expressway-E")
	if sc.Peer.Behaviour == scenarios.BehaviourRejectEdgeCert {
		fmt.Fprintf(w, "   do NOT add %s to its trusted CA list: the scenario is the Expressway-E not trusting the Edge\n", lab.CA.CertFile)
	} else {
		fmt.Fprintf(w, "   trusted CA list:     %s  (signed the Edge's certificate, %s)\n", lab.CA.CertFile, cfg.Edge.FQDN)
	}
	if sv.peerCert != "" {
		fmt.Fprintf(w, "   server certificate:  %s\n   private key:         %s\n     %s\n", sv.peerCert, sv.peerKey, certLine(*sc.Peer.Cert))
		fmt.Fprintf(w, "   it was issued by:    %s\n", sv.peerCA)
	} else {
		fmt.Fprintln(w, "   server certificate:  keep the Expressway-E's own; the scenario does not depend on it")
	}
	if hint := behaviourHint(sc); hint != "" {
		fmt.Fprintf(w, "   and on the UC side:  %s\n", hint)
	}
	fmt.Fprintln(w, "\n3. Place the call")
	if sc.Direction == scenarios.Inbound {
		fmt.Fprintf(w, "   from a UC endpoint such as %s, call %s through the Expressway-E.\n", sc.Call.From, sc.Call.To)
	} else {
		fmt.Fprintf(w, "   as a Skype user, in another shell:\n     edgesim call --config %s %s --from %s\n", sv.configFile, sc.Call.To, sc.Call.From)
	}
	e := sc.Expect
	fmt.Fprintf(w, "   expected: %s", statusPhrase(e.Status))
	if e.Diagnostic != 0 {
		fmt.Fprintf(w, ", ms-diagnostics %d", e.Diagnostic)
		if sc.Direction == scenarios.Inbound && cfg.Edge.Diagnostics == config.DiagnosticsFaithful {
			fmt.Fprint(w, " (not sent: faithful mode)")
		}
	}
	if e.ResultCode != "" {
		fmt.Fprintf(w, ", Edge log Result-Code %s in %s", e.ResultCode, lab.EdgeLogFile)
	}
	fmt.Fprintf(w, "\n\n   The configuration served is in %s (edgesim run --config serves it again).\n", sv.configFile)
}

func statusPhrase(status int) string {
	if status == 0 {
		return "no SIP answer (the TLS handshake is refused)"
	}
	return strings.TrimSpace(strconv.Itoa(status) + " " + scenarios.StatusReason(status))
}

func behaviourHint(sc *scenarios.Scenario) string {
	switch sc.Peer.Behaviour {
	case scenarios.BehaviourNoClientCert:
		return "make the Expressway-E's DNS zone towards the Edge present no client certificate"
	case scenarios.BehaviourFail:
		return fmt.Sprintf("make the called endpoint refuse the call with %d %s (a busy endpoint will do)", sc.Peer.FailStatus, sc.Peer.FailReason)
	case scenarios.BehaviourSilent:
		return "make the call go unanswered beyond the Expressway-E (a search that never completes)"
	case scenarios.BehaviourRefuseConnection:
		return "stop SIP TLS on the SRV record's port, or make a firewall reject it"
	case scenarios.BehaviourTLSReset:
		return "put something between the Edge and the Expressway-E that resets TLS connections"
	}
	return ""
}
