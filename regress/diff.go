package regress

import (
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/edgesim/edgesim/scenarios"
)

// Change is one case that differs between a baseline run and this one.
type Change struct {
	Case   string   `json:"case"`
	Fields []string `json:"fields"` // "status: 200 OK → 504 Server time-out", one a field
}

// Diff compares what each end saw, case by case, between a baseline and r. Tokens, Call-IDs, tags,
// times and addresses differ on every run and are left out; what an upgrade can change is not:
// status, ms-diagnostics, the Edge's verdict and Result-Code, whether the request reached each end,
// and the Edge's TLS with the Expressway (version, cipher, the chain it presented).
func Diff(base, r *Report) []Change {
	before := map[string]Result{}
	for _, c := range base.Results {
		before[c.Name] = c
	}
	var out []Change
	seen := map[string]bool{}
	for _, c := range r.Results {
		seen[c.Name] = true
		b, ok := before[c.Name]
		if !ok {
			out = append(out, Change{Case: c.Name, Fields: []string{"new case: " + gotShort(c.Got)}})
			continue
		}
		if f := fieldChanges(b, c); len(f) > 0 {
			out = append(out, Change{Case: c.Name, Fields: f})
		}
	}
	for _, c := range base.Results {
		if !seen[c.Name] {
			out = append(out, Change{Case: c.Name, Fields: []string{"case no longer in the plan"}})
		}
	}
	return out
}

func fieldChanges(b, a Result) []string {
	var f []string
	add := func(name string, x, y any) {
		if !reflect.DeepEqual(x, y) {
			f = append(f, fmt.Sprintf("%s: %v → %v", name, show(x), show(y)))
		}
	}
	add("status", scenarios.StatusText(b.Got.Status, b.Got.Reason), scenarios.StatusText(a.Got.Status, a.Got.Reason))
	add("ms-diagnostics", diagText(b.Got.Diagnostic), diagText(a.Got.Diagnostic))
	add("edge saw it", b.Got.EdgeSaw, a.Got.EdgeSaw)
	add("edge verdict", b.Got.Verdict, a.Got.Verdict)
	add("edge result code", scenarios.ResultText(b.Got.ResultCode), scenarios.ResultText(a.Got.ResultCode))
	add("reached UC", b.Got.ReachedUC, a.Got.ReachedUC)
	add("TLS version", b.Got.TLSVersion, a.Got.TLSVersion)
	add("TLS cipher", b.Got.TLSCipher, a.Got.TLSCipher)
	add("peer chain", strings.Join(b.Got.PeerChain, " | "), strings.Join(a.Got.PeerChain, " | "))
	add("as expected", b.Pass, a.Pass)
	return f
}

func show(v any) any {
	if s, ok := v.(string); ok && s == "" {
		return "none"
	}
	return v
}

// WriteDiff prints only what changed, or says nothing did.
func WriteDiff(w io.Writer, baseFile string, changes []Change) error {
	if len(changes) == 0 {
		_, err := fmt.Fprintf(w, "no change against %s\n", baseFile)
		return err
	}
	fmt.Fprintf(w, "%d case(s) changed against %s:\n", len(changes), baseFile)
	for _, c := range changes {
		for _, f := range c.Fields {
			if _, err := fmt.Fprintf(w, "  %s: %s\n", c.Case, f); err != nil {
				return err
			}
		}
	}
	return nil
}
