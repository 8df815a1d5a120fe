package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/scenarios"
	"github.com/edgesim/edgesim/sipstack"
)

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
	a.printScenarioZones(s)
	a.printScenarioPeer(s)
	a.printScenarioExpected(s)
}

// printScenarioZones shows the zones the scenario changes.
func (a *app) printScenarioZones(s *scenarios.Scenario) {
	w := a.stdout
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
}

// printScenarioPeer shows the Expressway-E stand-in and the Edge's configuration overrides.
func (a *app) printScenarioPeer(s *scenarios.Scenario) {
	w := a.stdout
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
}

// printScenarioExpected shows the outcome a trainee must see.
func (a *app) printScenarioExpected(s *scenarios.Scenario) {
	w := a.stdout
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
		fmt.Fprintf(w, "  ms-diagnostics: %d;reason=%q;…\n", e.Diagnostic, policy.DiagnosticReason(e.Diagnostic))
		for _, part := range e.DiagnosticContains {
			fmt.Fprintf(w, "    containing %s\n", part)
		}
	} else if e.Status != 0 {
		fmt.Fprintln(w, "  ms-diagnostics: none")
	}
	if e.ResultCode != "" {
		name := ""
		if rc, ok := policy.ResultByHex(e.ResultCode); ok {
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
