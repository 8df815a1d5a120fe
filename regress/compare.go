package regress

import (
	"fmt"
	"strings"

	"github.com/edgesim/edgesim/edge/policy"
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
		m = append(m, fmt.Sprintf("%s: status: expected %s, got %s", end, statusText(*e.Status, ""), statusText(g.Status, g.Reason)))
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
		m = append(m, fmt.Sprintf("Edge: Result-Code: expected %s, got %s", resultText(*e.ResultCode), resultText(g.ResultCode)))
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

func statusText(status int, reason string) string {
	if status == 0 {
		return "no SIP answer"
	}
	return strings.TrimSpace(fmt.Sprintf("%d %s", status, reason))
}

func diagText(code int) string {
	if code == 0 {
		return "none"
	}
	return fmt.Sprintf("%d (%s)", code, policy.DiagnosticReason(code))
}

func resultText(code string) string {
	if code == "" {
		return "no record"
	}
	if rc, ok := policy.ResultByHex(code); ok {
		return rc.String()
	}
	return code
}
