package lograte

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) lines() []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, s := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		m := map[string]any{}
		if json.Unmarshal([]byte(s), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// From many goroutines at once: a limited kind keeps its burst and one summary counts the rest; an
// unlimited kind is untouched.
func TestBurstThenOneSummary(t *testing.T) {
	buf := &lockedBuffer{}
	log := Attach(zerolog.New(buf), 3, 200*time.Millisecond, "peer event")
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			log.Warn().Str("peer", "192.0.2.1:1").Msg("peer event")
			log.Info().Msg("other")
		}()
	}
	wg.Wait()
	time.Sleep(400 * time.Millisecond) // the interval ends; its summary is written
	events, others, suppressed, summaries := 0, 0, 0, 0
	for _, l := range buf.lines() {
		switch {
		case l["message"] == "peer event":
			events++
		case l["message"] == "other":
			others++
		case l["suppressed_message"] == "peer event":
			summaries++
			suppressed += int(l["suppressed"].(float64))
		}
	}
	if events != 3 || suppressed != 47 || summaries != 1 || others != 50 {
		t.Errorf("events %d (want 3), suppressed %d in %d summaries (want 47 in 1), others %d (want 50)", events, suppressed, summaries, others)
	}
	log.Warn().Msg("peer event") // a new interval logs again
	if n := len(buf.lines()); n != 3+1+50+1 {
		t.Errorf("after the interval: %d lines, want the new event logged", n)
	}
}
