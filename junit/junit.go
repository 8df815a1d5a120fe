// Package junit writes the JUnit XML subset CI systems read: one suite of test cases, with properties
// a reader filters on, a failure where a case did not come out as expected, and its evidence as
// system-out. edgesim's scenario runs and regression runs both report this way.
package junit

import (
	"encoding/xml"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Case is one test case.
type Case struct {
	Name, Classname string
	Time            time.Duration
	Properties      [][2]string // name, value; none leaves <properties> out
	Failure         *Failure    // nil: passed
	Out             string      // system-out, written as CDATA so wire text reads as it was
}

// Failure says why a case failed; Type is "mismatch" or "error".
type Failure struct{ Message, Type, Text string }

// Mismatches is the failure of a case whose observations differed from its expectations.
func Mismatches(ms []string, isError bool) *Failure {
	f := &Failure{Message: strings.Join(ms, "; "), Type: "mismatch", Text: strings.Join(ms, "\n")}
	if isError {
		f.Type = "error"
	}
	return f
}

type suites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Time     string   `xml:"time,attr"`
	Suite    suite    `xml:"testsuite"`
}

type suite struct {
	Name      string     `xml:"name,attr"`
	Tests     int        `xml:"tests,attr"`
	Failures  int        `xml:"failures,attr"`
	Errors    int        `xml:"errors,attr"`
	Time      string     `xml:"time,attr"`
	Timestamp string     `xml:"timestamp,attr"`
	Cases     []testcase `xml:"testcase"`
}

type testcase struct {
	Name       string     `xml:"name,attr"`
	Classname  string     `xml:"classname,attr"`
	Time       string     `xml:"time,attr"`
	Properties []property `xml:"properties>property,omitempty"`
	Failure    *failure   `xml:"failure,omitempty"`
	SystemOut  cdata      `xml:"system-out"`
}

type property struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type failure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type cdata struct {
	Text string `xml:",cdata"`
}

// Write writes the suite named name, run from started for took, to file.
func Write(file, name string, started time.Time, took time.Duration, cases []Case) error {
	s := suite{Name: name, Tests: len(cases), Time: seconds(took), Timestamp: started.UTC().Format("2006-01-02T15:04:05")}
	for _, c := range cases {
		tc := testcase{Name: c.Name, Classname: c.Classname, Time: seconds(c.Time), SystemOut: cdata{c.Out}}
		for _, p := range c.Properties {
			tc.Properties = append(tc.Properties, property{p[0], p[1]})
		}
		if c.Failure != nil {
			s.Failures++
			tc.Failure = &failure{Message: c.Failure.Message, Type: c.Failure.Type, Text: c.Failure.Text}
		}
		s.Cases = append(s.Cases, tc)
	}
	data, err := xml.MarshalIndent(suites{Name: "edgesim", Tests: s.Tests, Failures: s.Failures, Time: s.Time, Suite: s}, "", "  ")
	if err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	if err := os.WriteFile(file, append([]byte(xml.Header), append(data, '\n')...), 0o644); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	return nil
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }
