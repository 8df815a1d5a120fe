package regress

import (
	"fmt"

	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/scenarios"
)

// compare fills Pass and Mismatches, each naming the end it is about.
func (r *Result) compare() {
	e, g := r.Expect, r.Got
	var m []string
	if r.Error != "" {
		m = append(m, r.Error)
	}
	end := "UC caller"
	if r.Direction == Outbound {
		end = "Skype client"
	}
	if e.Status != nil && *e.Status != g.Status {
		m = append(m, fmt.Sprintf("%s: status: expected %s, got %s", end, scenarios.StatusText(*e.Status, ""), scenarios.StatusText(g.Status, g.Reason)))
	}
	if e.Diagnostic != nil && *e.Diagnostic != g.Diagnostic {
		m = append(m, fmt.Sprintf("%s: ms-diagnostics: expected %s, got %s", end, diagText(*e.Diagnostic), diagText(g.Diagnostic)))
	}
	if e.EdgeSaw != nil && *e.EdgeSaw != g.EdgeSaw {
		if *e.EdgeSaw {
			m = append(m, "Edge: expected the request to reach it, it never saw it")
		} else {
			m = append(m, "Edge: expected it never to see the request, it did ("+g.Verdict+")")
		}
	}
	if e.Verdict != "" && e.Verdict != g.Verdict {
		m = append(m, fmt.Sprintf("Edge: verdict: expected %s, got %s", e.Verdict, or(g.Verdict, "no attempt")))
	}
	if e.ResultCode != nil && *e.ResultCode != g.ResultCode {
		m = append(m, fmt.Sprintf("Edge: Result-Code: expected %s, got %s", scenarios.ResultText(*e.ResultCode), scenarios.ResultText(g.ResultCode)))
	}
	if e.ReachesUC != nil && *e.ReachesUC != g.ReachedUC {
		if *e.ReachesUC {
			m = append(m, "UC answerer: expected the request to reach it, nothing arrived")
		} else {
			m = append(m, "UC answerer: expected nothing to reach it, the request arrived")
		}
	}
	r.Mismatches = m
	r.Pass = len(m) == 0
}

func diagText(code int) string {
	if code == 0 {
		return "none"
	}
	return fmt.Sprintf("%d (%s)", code, policy.DiagnosticReason(code))
}
