package main

import (
	"fmt"
	"io"
	"time"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/lograte"
	"github.com/edgesim/edgesim/sipstack"
)

// A peer can fail handshakes or send garbage as fast as it can connect: of each such kind the log
// keeps this many lines per interval and then one line counting the rest.
const (
	peerLinesPerInterval = 20
	peerLineInterval     = 10 * time.Second
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
		w = zerolog.ConsoleWriter{Out: a.stderr, TimeFormat: time.TimeOnly, NoColor: !isTerminal(a.stderr)}
	default:
		return zerolog.Nop(), usageErr(fmt.Errorf("--log-format %q: want console or json", a.logFormat))
	}
	zl := zerolog.New(w).Level(lvl).With().Timestamp().Logger()
	zl = lograte.Attach(zl, peerLinesPerInterval, peerLineInterval, peerTriggered()...)
	sipgoSink.set(zerolog.NewSlogHandler(zl.With().Str("component", "sipgo").Logger()))
	return zl, nil
}

// peerTriggered is every log line an outside party can cause at will, from the stack and the Edge.
func peerTriggered() []string {
	return append(append([]string(nil), sipstack.PeerTriggered...), edge.PeerTriggered...)
}
