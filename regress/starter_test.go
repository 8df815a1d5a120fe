package regress

import (
	"strings"
	"testing"

	"github.com/edgesim/edgesim/scenarios"
)

// The starter plan parses as written, names at least ten cases over both directions, and takes the
// addresses it was given.
func TestStarterPlanParses(t *testing.T) {
	text, err := StarterPlan(StarterOptions{Transport: "tcp", Entry: "192.0.2.20:5060", Answerer: "192.0.2.10:5070"})
	if err != nil {
		t.Fatal(err)
	}
	lib, err := scenarios.Library()
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse("starter.yaml", []byte(text), lib)
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	dirs := map[string]int{}
	for _, c := range p.Cases {
		dirs[c.Direction]++
	}
	if len(p.Cases) < 10 || dirs["inbound"] == 0 || dirs["outbound"] == 0 {
		t.Errorf("%d cases, %v", len(p.Cases), dirs)
	}
	if p.Expressway.Entry != "192.0.2.20:5060" || !strings.Contains(text, "notincert 60 IN A   192.0.2.20") && !strings.Contains(text, "A   192.0.2.20") {
		t.Errorf("addresses not carried:\n%s", text)
	}
	for _, bad := range []string{"5060", "ws:1.2.3.4:5", "tcp:nohost"} {
		if _, _, err := ParseEntry(bad); err == nil {
			t.Errorf("ParseEntry(%q) accepted", bad)
		}
	}
}
