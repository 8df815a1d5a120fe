// Package lograte bounds the log lines that an outside party can cause at will: a failed TLS
// handshake, an unparsable message, a refused connection. Each such event is still counted in the
// metrics; the log keeps the first few of each kind per interval and then one summary line with the
// number left out, so a flood of them cannot flood the log (issue 16).
package lograte

import (
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Limiter is a zerolog hook. It knows the limited kinds by their message, a fixed set given at
// construction: peer-supplied text never becomes a key, so its memory is bounded by that set.
type Limiter struct {
	burst int           // lines of one kind written per interval
	every time.Duration // the interval
	out   zerolog.Logger

	mu      sync.Mutex
	windows map[string]*window
}

type window struct {
	written, suppressed int
	open                bool // an interval is running; its timer writes the summary and ends it
}

// New limits the given messages to burst lines per interval each; summaries go to out, which must
// not carry the limiter itself.
func New(out zerolog.Logger, burst int, every time.Duration, messages ...string) *Limiter {
	l := &Limiter{burst: max(burst, 1), every: every, out: out, windows: map[string]*window{}}
	for _, m := range messages {
		l.windows[m] = &window{}
	}
	return l
}

// Attach returns log with l installed, and l with its summaries written through log.
func Attach(log zerolog.Logger, burst int, every time.Duration, messages ...string) zerolog.Logger {
	return log.Hook(New(log, burst, every, messages...))
}

// Run implements zerolog.Hook: an event past its kind's burst is discarded and counted.
func (l *Limiter) Run(e *zerolog.Event, _ zerolog.Level, msg string) {
	if !l.admit(msg) {
		e.Discard()
	}
}

func (l *Limiter) admit(msg string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, limited := l.windows[msg]
	if !limited {
		return true
	}
	if !w.open {
		w.open = true
		time.AfterFunc(l.every, func() { l.endInterval(msg) })
	}
	if w.written < l.burst {
		w.written++
		return true
	}
	w.suppressed++
	return false
}

// endInterval writes the summary of an interval that left lines out, and starts afresh.
func (l *Limiter) endInterval(msg string) {
	l.mu.Lock()
	w := l.windows[msg]
	suppressed := w.suppressed
	*w = window{}
	l.mu.Unlock()
	if suppressed > 0 {
		l.out.Warn().Str("suppressed_message", msg).Int("suppressed", suppressed).
			Dur("interval", l.every).Int("logged", l.burst).Msg("log lines left out: too many of one kind")
	}
}
