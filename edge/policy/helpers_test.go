package policy

import "testing"

// checkTrace holds every verdict to the trace contract: a decided refusal ends on the failed rule that
// names the verdict's row; an allowed verdict has no failed rule.
func checkTrace(t *testing.T, v Verdict) {
	t.Helper()
	if len(v.Trace) == 0 {
		t.Fatalf("verdict without a trace: %+v", v)
	}
	last := v.Trace[len(v.Trace)-1]
	switch {
	case v.Allow:
		for _, r := range v.Trace {
			if r.Outcome == Fail {
				t.Errorf("allowed, yet rule %s failed: %s", r.Name, r.Detail)
			}
		}
	case v.Row != "":
		found := false
		for _, r := range v.Trace {
			found = found || r.Row == v.Row && r.Outcome == Fail
		}
		if !found {
			t.Errorf("no failed rule names row %s; last is %s %s %q", v.Row, last.Name, last.Outcome, last.Row)
		}
	}
	for _, r := range v.Trace {
		if r.Section == "" || r.Name == "" {
			t.Errorf("rule %+v lacks its name or section", r)
		}
	}
}
