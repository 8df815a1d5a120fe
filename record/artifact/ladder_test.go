package artifact

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/edgesim/edgesim/record/recordtest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestLadderIsTheGoldenSVG(t *testing.T) {
	got := Ladder(recordtest.SeedRefusal())
	const file = "testdata/ladder-1009.svg"
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (go test ./record/artifact -update writes it)", err)
	}
	if got != string(want) {
		t.Fatalf("Ladder differs from %s (go test ./record/artifact -update, then read the diff):\n%s", file, got)
	}
}

func TestLadderEscapesWhatTheWireSent(t *testing.T) {
	got := Ladder(recordtest.SeedRefusal())
	if strings.Contains(got, "<b>") || !strings.Contains(got, "&lt;b&gt;&amp;") {
		t.Fatalf("start line not escaped:\n%s", got)
	}
}
