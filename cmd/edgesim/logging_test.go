package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The console log format colours its lines only on a terminal: a log sent to a file or a pipe
// (systemd, docker logs, `2> edge.log`) must read as plain text.
func TestConsoleLogHasNoColourOffATerminal(t *testing.T) {
	file, err := os.Create(filepath.Join(t.TempDir(), "edge.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var buf bytes.Buffer
	for _, w := range []io.Writer{&buf, file} {
		a := &app{logLevel: "info", logFormat: "console", stderr: w}
		log, err := a.logger()
		if err != nil {
			t.Fatal(err)
		}
		log.Warn().Str("peer", "192.0.2.1:5061").Msg("federated request refused")
	}
	written, err := os.ReadFile(file.Name())
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"a buffer": buf.String(), "a file": string(written)} {
		if !strings.Contains(out, "federated request refused") || strings.Contains(out, "\x1b[") {
			t.Errorf("console log to %s: %q, want the line with no escape codes", name, out)
		}
	}
}
