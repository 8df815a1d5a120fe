package regress

import (
	"os"
	"strings"
	"testing"
)

// The README's example plan is a valid plan.
func TestReadmePlanParses(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "### Regression runs through a real Expressway")
	if !ok {
		t.Fatal("README has no regress section")
	}
	_, after, ok = strings.Cut(after, "```yaml\n")
	block, _, ok2 := strings.Cut(after, "```")
	if !ok || !ok2 {
		t.Fatal("README's regress section has no yaml block")
	}
	p, err := Parse("README.md", []byte(block), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Cases) != 4 || *p.Cases[2].Expect.Diagnostic != 1009 {
		t.Errorf("README plan: %+v", p.Cases)
	}
}
