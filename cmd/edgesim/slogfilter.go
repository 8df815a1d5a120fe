package main

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/emiago/sipgo/sip"
)

// sipgoSink is sipgo's process-wide default logger. sipgo reads that global from its own goroutines, so
// it is installed once and only the handler behind it is swapped when a command builds its logger.
var sipgoSink swappable

type swappable struct {
	once sync.Once
	h    atomic.Pointer[slog.Handler]
}

func (s *swappable) set(h slog.Handler) {
	s.h.Store(&h)
	s.once.Do(func() { sip.SetDefaultLogger(slog.New(quietSipgo{uniqueKeys{next: s}})) })
}

func (s *swappable) current() slog.Handler { return *s.h.Load() }

func (s *swappable) Enabled(ctx context.Context, l slog.Level) bool {
	return s.current().Enabled(ctx, l)
}
func (s *swappable) Handle(ctx context.Context, r slog.Record) error {
	return s.current().Handle(ctx, r)
}
func (s *swappable) WithAttrs(a []slog.Attr) slog.Handler { return s.current().WithAttrs(a) }
func (s *swappable) WithGroup(n string) slog.Handler      { return s.current().WithGroup(n) }

// quietSipgo demotes sipgo messages that are noise for a lab engineer to debug: sipgo v1.7.3 warns
// "TCP ref went negative" whenever a TLS connection closes (emiago/sipgo #359/#360), and it is harmless.
type quietSipgo struct{ slog.Handler }

var demoted = map[string]bool{"TCP ref went negative": true}

// peerBytesShown is how much of a peer's raw input a sipgo log line keeps. sipgo v1.7.3 logs
// "failed to parse" at ERROR with the whole read chunk (up to 16 KB of what any peer sent) as
// "data": an attacker's bytes, and a log flood. The Edge's listener logs the same event at WARN with
// the peer's address ("unparsable SIP"); this line keeps sipgo's reason and a short excerpt.
const peerBytesShown = 200

func (q quietSipgo) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "failed to parse" {
		r = trimPeerData(r)
	}
	if r.Level > slog.LevelDebug && demoted[r.Message] {
		if !q.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		r.Level = slog.LevelDebug
	}
	return q.Handler.Handle(ctx, r)
}

func (q quietSipgo) WithAttrs(a []slog.Attr) slog.Handler { return quietSipgo{q.Handler.WithAttrs(a)} }
func (q quietSipgo) WithGroup(n string) slog.Handler      { return quietSipgo{q.Handler.WithGroup(n)} }

// trimPeerData demotes a parse failure to WARN and cuts its "data" attribute to peerBytesShown bytes.
func trimPeerData(r slog.Record) slog.Record {
	out := slog.NewRecord(r.Time, min(r.Level, slog.LevelWarn), r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "data" {
			if v := a.Value.String(); len(v) > peerBytesShown {
				a = slog.String("data", strconv.Quote(v[:peerBytesShown])+"… ("+strconv.Itoa(len(v))+" bytes)")
			} else {
				a = slog.String("data", strconv.Quote(v))
			}
		}
		out.AddAttrs(a)
		return true
	})
	return out
}
