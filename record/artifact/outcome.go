package artifact

import (
	"fmt"
	"strings"

	"github.com/edgesim/edgesim/record"
)

// OutcomeText is what a trainer reads out: "answered", or the status and the ms-diagnostics code.
func OutcomeText(a record.Attempt) string {
	switch a.Outcome {
	case record.OutcomeAnswered, record.OutcomePassed:
		return a.Outcome
	case record.OutcomeAllowed:
		if a.Status == 0 || a.Status == 200 {
			return "answered"
		}
	case record.OutcomeTLSRefused:
		for _, t := range a.TLS {
			if t.Alert != "" {
				return "TLS refused · " + t.Alert
			}
		}
		return "TLS refused"
	}
	var parts []string
	if a.Status != 0 {
		parts = append(parts, fmt.Sprint(a.Status))
	}
	if a.Diagnostic != 0 {
		parts = append(parts, fmt.Sprint(a.Diagnostic))
	}
	if len(parts) == 0 {
		return a.Outcome
	}
	return strings.Join(parts, " · ")
}
