package regress

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/edgesim/edgesim/scenarios"
)

// WriteTable prints one line a case: what was expected and what each end saw.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tDIRECTION\tMETHOD\tEXPECTED\tGOT\tEDGE\tRESULT")
	for _, c := range r.Results {
		mark := "ok"
		if !c.Pass {
			mark = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Direction, c.Method, expectShort(c.Expect), gotShort(c.Got), edgeShort(c.Got), mark)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, c := range r.Results {
		for _, m := range c.Mismatches {
			fmt.Fprintf(w, "%s: %s\n", c.Name, m)
		}
		if !c.Pass { // why an end saw nothing: the caller's error, a wait that hit its cap
			for _, n := range c.Notes {
				fmt.Fprintf(w, "%s: note: %s\n", c.Name, n)
			}
		}
	}
	pass := 0
	for _, c := range r.Results {
		if c.Pass {
			pass++
		}
	}
	_, err := fmt.Fprintf(w, "%d of %d cases as expected in %s\n", pass, len(r.Results), r.Duration.Round(time.Millisecond))
	return err
}

func expectShort(e Expect) string {
	var parts []string
	if e.Status != nil {
		parts = append(parts, scenarios.StatusText(*e.Status, ""))
	}
	if e.Diagnostic != nil && *e.Diagnostic != 0 {
		parts = append(parts, strconv.Itoa(*e.Diagnostic))
	}
	if e.ResultCode != nil && *e.ResultCode != "" {
		parts = append(parts, *e.ResultCode)
	}
	if e.EdgeSaw != nil && !*e.EdgeSaw {
		parts = append(parts, "edge never sees it")
	}
	if e.ReachesUC != nil && !*e.ReachesUC {
		parts = append(parts, "never reaches UC")
	}
	return strings.Join(parts, " ")
}

func gotShort(g Observed) string {
	parts := []string{scenarios.StatusText(g.Status, "")}
	if g.Diagnostic != 0 {
		parts = append(parts, strconv.Itoa(g.Diagnostic))
	}
	if g.ResultCode != "" {
		parts = append(parts, g.ResultCode)
	}
	return strings.Join(parts, " ")
}

func edgeShort(g Observed) string {
	if !g.EdgeSaw {
		return "never saw it"
	}
	s := g.Verdict
	if g.ReachedUC {
		s += ", reached UC"
	}
	return s
}

// WriteJSON writes the report, attempt records included: the file a later --baseline reads.
func (r *Report) WriteJSON(file string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	if err := os.WriteFile(file, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	return nil
}

// ReadReport reads a report WriteJSON wrote.
func ReadReport(file string) (*Report, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("baseline %s: %w", file, err)
	}
	return &r, nil
}

// caseText is what a reader of a failed case needs: both ends' final answers and the Edge log.
func caseText(c Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s → %s (token %s)\n", c.Method, c.From, c.To, c.Token)
	if c.Caller != nil && c.Caller.Wire != "" {
		b.WriteString("\nUC caller received:\n" + crlf(c.Caller.Wire))
	}
	if c.Skype != nil && c.Skype.SkypeView != "" {
		b.WriteString("\nSkype client received:\n" + crlf(c.Skype.SkypeView))
	}
	for _, a := range c.Edge {
		if a.EdgeLog != "" {
			b.WriteString("\nEdge log:\n" + crlf(a.EdgeLog))
		}
	}
	for _, u := range c.UCSaw {
		b.WriteString("UC answerer received: " + u.StartLine + "\n")
	}
	for _, n := range c.Notes {
		b.WriteString("note: " + n + "\n")
	}
	return b.String()
}

func crlf(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
