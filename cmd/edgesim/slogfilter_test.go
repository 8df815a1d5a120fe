package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestQuietSipgoDemotesKnownNoise(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(quietSipgo{slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})}).With("caller", "TCP")
	log.Warn("TCP ref went negative", "ref", -1)
	log.Warn("Read error", "error", "boom")
	out := buf.String()
	if strings.Contains(out, "ref went negative") || !strings.Contains(out, "Read error") {
		t.Errorf("filter wrong:\n%s", out)
	}
	buf.Reset()
	dbg := slog.New(quietSipgo{slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})})
	dbg.Warn("TCP ref went negative")
	if !strings.Contains(buf.String(), "level=DEBUG") {
		t.Errorf("at debug the message must still show, demoted: %s", buf.String())
	}
}

// sipgo's parse failure carried up to 16 KB of a peer's raw bytes at ERROR; the line keeps a short,
// quoted excerpt and the size, at WARN.
func TestQuietSipgoTrimsParseFailures(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(quietSipgo{slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})})
	log.Error("failed to parse", "error", "parse error", "data", strings.Repeat("A", 16384)+"\x1b[2J")
	out := buf.String()
	if len(out) > 600 || !strings.Contains(out, "level=WARN") || !strings.Contains(out, "(16388 bytes)") || strings.Contains(out, "\x1b") {
		t.Errorf("parse failure not trimmed (%d bytes):\n%.400s", len(out), out)
	}
}
