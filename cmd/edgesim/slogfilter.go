package main

import (
	"context"
	"log/slog"
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
	s.once.Do(func() { sip.SetDefaultLogger(slog.New(quietSipgo{s})) })
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

func (q quietSipgo) Handle(ctx context.Context, r slog.Record) error {
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
