package artifact

import (
	"flag"
	"html"
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

// A band whose text is wider than the drawing (a TLS failure with its whole reason) is cut to fit,
// the whole text kept as the band's tooltip.
func TestLadderBandTooLongIsCutWithItsTextAsTooltip(t *testing.T) {
	a := recordtest.SeedRefusal()
	reason := "failed: server certificate rejected: the server certificate fails the Edge's rules: " + strings.Repeat("x", 80)
	a.TLS[0].Error = reason
	got := Ladder(a)
	if !strings.Contains(got, "<title>TLS · TLS 1.2 · TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 · failed: "+html.EscapeString(reason)+"</title>") {
		t.Errorf("the whole band text is not the tooltip:\n%s", got)
	}
	for _, line := range strings.Split(got, "\n") {
		if strings.Contains(line, `class="b"`) {
			drawn := strings.TrimSuffix(line, "</text>")
			text := drawn[strings.LastIndex(drawn, ">")+1:]
			if n := len([]rune(html.UnescapeString(text))); n > bandChars {
				t.Errorf("band text of %d characters drawn: %q", n, text)
			}
		}
	}
}
