package main

import (
	"context"
	"log/slog"
)

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
