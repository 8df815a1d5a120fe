package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
)

// sipgo's own loggers, nested as its transport layer nests them, write each key once in the JSON
// log, the innermost value kept, beside the Edge's component key.
func TestSipgoJSONLinesHaveEachKeyOnce(t *testing.T) {
	var buf bytes.Buffer
	a := &app{logLevel: "info", logFormat: "json", stderr: &buf}
	if _, err := a.logger(); err != nil {
		t.Fatal(err)
	}
	sip.DefaultLogger().With("caller", "TransportLayer").With("caller", "Transport<TCP>").
		Warn("Read error", "error", "boom", "caller", "Transport<TCP>")
	line := strings.TrimSpace(buf.String())
	for _, k := range []string{`"caller"`, `"component"`} {
		if n := strings.Count(line, k); n != 1 {
			t.Errorf("%s appears %d times in %s", k, n, line)
		}
	}
	var fields map[string]any
	if err := json.Unmarshal([]byte(line), &fields); err != nil || fields["caller"] != "Transport<TCP>" || fields["component"] != "sipgo" {
		t.Errorf("line %s (%v): want caller Transport<TCP> and component sipgo", line, err)
	}
}
