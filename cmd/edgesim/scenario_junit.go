package main

import (
	"encoding/xml"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/edgesim/edgesim/scenarios"
)

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
