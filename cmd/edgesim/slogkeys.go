package main

import (
	"context"
	"log/slog"
	"slices"
)

// uniqueKeys gives each sipgo line a key once. sipgo v1.7.3 nests its loggers with the same key
// (With("caller", "TransportLayer"), then With("caller", "Transport<TCP>")), and a JSON log with a key
// twice is read differently by every tool; the innermost value, the most specific, is kept.
type uniqueKeys struct {
	next  slog.Handler
	attrs []slog.Attr
}

func (u uniqueKeys) Enabled(ctx context.Context, l slog.Level) bool { return u.next.Enabled(ctx, l) }

func (u uniqueKeys) WithAttrs(as []slog.Attr) slog.Handler {
	out := slices.Clone(u.attrs)
	for _, a := range as {
		out = setAttr(out, a)
	}
	return uniqueKeys{next: u.next, attrs: out}
}

func (u uniqueKeys) WithGroup(name string) slog.Handler {
	return uniqueKeys{next: u.next.WithAttrs(u.attrs).WithGroup(name)}
}

func (u uniqueKeys) Handle(ctx context.Context, r slog.Record) error {
	attrs := slices.Clone(u.attrs)
	r.Attrs(func(a slog.Attr) bool {
		attrs = setAttr(attrs, a)
		return true
	})
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	out.AddAttrs(attrs...)
	return u.next.Handle(ctx, out)
}

func setAttr(attrs []slog.Attr, a slog.Attr) []slog.Attr {
	for i := range attrs {
		if attrs[i].Key == a.Key {
			attrs[i] = a
			return attrs
		}
	}
	return append(attrs, a)
}
