package console

import (
	"strings"
	"testing"

	"github.com/edgesim/edgesim/record/recordtest"
)

func TestAttemptPageEscapesSIPText(t *testing.T) {
	c := startConsole(t, Options{})
	c.rec.Ring().Add(recordtest.SeedRefusal())
	_, page := get(t, c.http.URL+"/attempts/golden-1")
	if strings.Contains(page, "<script>alert") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatalf("the raw message is not escaped:\n%s", page)
	}
	for _, want := range []string{"<svg", "in-domain", "golden-1/attempt.pcapng"} {
		if !strings.Contains(page, want) {
			t.Fatalf("page lacks %q", want)
		}
	}
	code, pcap := get(t, c.http.URL+"/attempts/golden-1/attempt.pcapng")
	if code != 200 || !strings.HasPrefix(pcap, "\x0a\x0d\x0d\x0a") {
		t.Fatalf("pcapng download (%d) does not start with a section header block", code)
	}
}
