package main

import (
	"fmt"
	"io"
	"time"

	"github.com/rs/zerolog"
)

// logger builds the process logger and routes sipgo's slog output into it.
func (a *app) logger() (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(a.logLevel)
	if err != nil || a.logLevel == "" {
		return zerolog.Nop(), usageErr(fmt.Errorf("--log-level %q: want debug, info, warn or error", a.logLevel))
	}
	var w io.Writer
	switch a.logFormat {
	case "json":
		w = a.stderr
	case "console":
		w = zerolog.ConsoleWriter{Out: a.stderr, TimeFormat: time.TimeOnly}
	default:
		return zerolog.Nop(), usageErr(fmt.Errorf("--log-format %q: want console or json", a.logFormat))
	}
	zl := zerolog.New(w).Level(lvl).With().Timestamp().Logger()
	sipgoSink.set(zerolog.NewSlogHandler(zl.With().Str("component", "sipgo").Logger()))
	return zl, nil
}
