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
