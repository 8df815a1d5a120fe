package console

import (
	"fmt"
	"time"

	"github.com/edgesim/edgesim/record"
	"github.com/edgesim/edgesim/record/artifact"
	"github.com/edgesim/edgesim/scenarios"
)

// Row is one line of the live list, as the page renders it and /events sends it. Every field is
// plain text; the page puts it in with textContent or html/template, never as markup.
type Row struct {
	ID        string `json:"id"`
	Time      string `json:"time"`
	Direction string `json:"direction"`
	Peer      string `json:"peer"`
	PeerName  string `json:"peer_name"`
	From      string `json:"from"`
	To        string `json:"to"`
	Domains   string `json:"domains"` // "From → To", "—" when the attempt never reached SIP
	Method    string `json:"method"`
	Outcome   string `json:"outcome"` // answered, or "504 · 1009"
	Class     string `json:"class"`   // ok | refused | failed | tls: the outcome filter and colour
	Duration  string `json:"duration"`
}

// RowOf is the list's view of a.
func RowOf(a record.Attempt) Row {
	return Row{ID: a.ID, Time: a.Start.Format("15:04:05.000"), Direction: a.Direction, Peer: a.Peer,
		PeerName: a.PeerName, From: a.FromDomain, To: a.ToDomain, Domains: domains(a), Method: methodOf(a),
		Outcome: artifact.OutcomeText(a), Class: outcomeClass(a.Outcome), Duration: durationText(a.End.Sub(a.Start))}
}

func domains(a record.Attempt) string {
	if a.FromDomain == "" && a.ToDomain == "" {
		return "—"
	}
	return a.FromDomain + " → " + a.ToDomain
}

func methodOf(a record.Attempt) string {
	if a.Method != "" {
		return a.Method
	}
	return a.Kind // a refused handshake has no SIP method
}

func outcomeClass(o string) string {
	switch o {
	case record.OutcomeAnswered, record.OutcomeAllowed, record.OutcomePassed:
		return "ok"
	case record.OutcomeRefused:
		return "refused"
	case record.OutcomeTLSRefused:
		return "tls"
	}
	return "failed"
}

func durationText(d time.Duration) string {
	switch {
	case d <= 0:
		return "0 ms"
	case d < 10*time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return d.Round(100 * time.Millisecond).String()
}

// matchScenarios are the library scenarios whose expected outcome is a's: same direction, status
// and ms-diagnostics code (and Result-Code when both have one). Several faults share a code, so
// this is "what it may be", library order first.
func matchScenarios(lib []*scenarios.Scenario, a record.Attempt) []*scenarios.Scenario {
	var out []*scenarios.Scenario
	status := a.Status
	if a.Outcome == record.OutcomeAnswered || (a.Outcome == record.OutcomeAllowed && status == 0) {
		status = 200
	}
	for _, s := range lib {
		e := s.Expect
		if string(s.Direction) != a.Direction || e.Status != status || e.Diagnostic != a.Diagnostic {
			continue
		}
		if e.ResultCode != "" && a.ResultCode != "" && e.ResultCode != a.ResultCode {
			continue
		}
		out = append(out, s)
	}
	return out
}
