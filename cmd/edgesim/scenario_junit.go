package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/edgesim/edgesim/junit"
	"github.com/edgesim/edgesim/scenarios"
)

// writeJUnit is the scenario run as JUnit XML, a testcase a scenario with its evidence.
func writeJUnit(file string, results []scenarios.Result, elapsed time.Duration) error {
	var cases []junit.Case
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
		c := junit.Case{Name: r.Name, Classname: "edgesim.scenario." + string(r.Direction), Time: r.Duration, Out: out}
		if !r.Pass {
			c.Failure = junit.Mismatches(r.Mismatches, r.Error != "")
		}
		cases = append(cases, c)
	}
	return junit.Write(file, "edgesim scenarios", time.Now(), elapsed, cases)
}
