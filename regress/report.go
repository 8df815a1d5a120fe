package regress

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
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
		parts = append(parts, statusText(*e.Status, ""))
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
	parts := []string{statusText(g.Status, "")}
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

// JUnit XML, the subset CI systems read, with the per-case properties a reader filters on.
type junitSuites struct {
	XMLName  xml.Name   `xml:"testsuites"`
	Name     string     `xml:"name,attr"`
	Tests    int        `xml:"tests,attr"`
	Failures int        `xml:"failures,attr"`
	Time     string     `xml:"time,attr"`
	Suite    junitSuite `xml:"testsuite"`
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
	Name       string          `xml:"name,attr"`
	Classname  string          `xml:"classname,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Failure    *junitFailure   `xml:"failure,omitempty"`
	SystemOut  string          `xml:"system-out"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes one testcase a case, its properties the direction and both ends' outcome.
func (r *Report) WriteJUnit(file string) error {
	s := junitSuite{Name: "edgesim regress", Tests: len(r.Results), Time: seconds(r.Duration),
		Timestamp: r.Started.UTC().Format("2006-01-02T15:04:05")}
	for _, c := range r.Results {
		jc := junitCase{Name: c.Name, Classname: "edgesim.regress." + c.Direction, Time: seconds(c.Took),
			Properties: []junitProperty{{"direction", c.Direction}, {"method", c.Method}, {"token", c.Token},
				{"expected", expectShort(c.Expect)}, {"got", gotShort(c.Got)}, {"edge", edgeShort(c.Got)}},
			SystemOut: caseText(c)}
		if c.Scenario != "" {
			jc.Properties = append(jc.Properties, junitProperty{"scenario", c.Scenario})
		}
		if !c.Pass {
			s.Failures++
			jc.Failure = &junitFailure{Message: strings.Join(c.Mismatches, "; "), Type: "mismatch", Text: strings.Join(c.Mismatches, "\n")}
			if c.Error != "" {
				jc.Failure.Type = "error"
			}
		}
		s.Cases = append(s.Cases, jc)
	}
	doc := junitSuites{Name: "edgesim", Tests: s.Tests, Failures: s.Failures, Time: s.Time, Suite: s}
	data, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	if err := os.WriteFile(file, append([]byte(xml.Header), append(data, '\n')...), 0o644); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	return nil
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

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }
