package edge

import (
	"errors"
	"fmt"
	"os"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/metrics"
)

// Recording is what `edgesim run` records, built from record.*, capture.* and metrics.*: the
// Recorder (nil when every output is off, so recording then costs nothing) and the metrics server.
type Recording struct {
	Recorder *Recorder
	Metrics  *metrics.Metrics
	server   *metrics.Server
	token    bool
	keylog   string
	cfg      config.Config
}

// RecordingOn says whether cfg asks for any output; $SSLKEYLOGFILE counts as capture.keylog, and the
// console (on by default) needs the ring.
func RecordingOn(cfg config.Config) bool {
	return cfg.Record.JSONL != "" || cfg.Capture.PCAPNG != "" || cfg.Capture.KeyLog != "" || cfg.Capture.HEP != "" ||
		cfg.Metrics.Listen != "" || os.Getenv("SSLKEYLOGFILE") != "" ||
		cfg.Console.Listen != "" // the console reads the record's ring
}

// OpenRecording opens every output cfg asks for. A capture path that cannot be written, an HEP
// target that does not resolve and a metrics address that cannot be bound are errors here, at
// start, each naming its key; nothing is left open then.
func OpenRecording(cfg config.Config, version string, log zerolog.Logger) (_ *Recording, err error) {
	r := &Recording{cfg: cfg, keylog: cfg.Capture.KeyLog, token: cfg.Metrics.Token != ""}
	if r.keylog == "" {
		r.keylog = os.Getenv("SSLKEYLOGFILE")
	}
	if !RecordingOn(cfg) {
		return r, nil
	}
	if cfg.Metrics.Listen != "" {
		r.Metrics = metrics.New(version)
	}
	r.Recorder, err = NewRecorder(RecordOptions{History: cfg.Record.History, JSONL: cfg.Record.JSONL, PCAPNG: cfg.Capture.PCAPNG,
		KeyLog: r.keylog, HEP: cfg.Capture.HEP, Metrics: r.Metrics, Logger: log})
	if err != nil {
		return nil, err
	}
	if cfg.Metrics.Listen != "" {
		if r.server, err = metrics.Serve(cfg.Metrics.Addr(), cfg.Metrics.Token, r.Metrics); err != nil {
			_ = r.Recorder.Close()
			return nil, fmt.Errorf("metrics.listen %s: %w", cfg.Metrics.Listen, err)
		}
	}
	return r, nil
}

// MetricsURL is the bound /metrics address, "" when metrics are off.
func (r *Recording) MetricsURL() string {
	if r.server == nil {
		return ""
	}
	return "http://" + r.server.Addr() + "/metrics"
}

// Describe is one line per output, for the start-up banner: what is recorded where.
func (r *Recording) Describe() []string {
	if r.Recorder == nil {
		return []string{"off (record.jsonl, capture.pcapng, capture.keylog, capture.hep and metrics.listen are empty)"}
	}
	c := r.cfg
	out := []string{fmt.Sprintf("every attempt, the last %d kept in memory", r.Recorder.Ring().Cap())}
	add := func(on bool, format string, args ...any) {
		if on {
			out = append(out, fmt.Sprintf(format, args...))
		}
	}
	add(c.Record.JSONL != "", "attempts (JSON lines): %s", c.Record.JSONL)
	add(c.Capture.PCAPNG != "", "pcapng with its TLS keys: %s", c.Capture.PCAPNG)
	add(r.keylog != "", "NSS key log: %s", r.keylog)
	add(c.Capture.HEP != "", "HEP v3 (SIP and Edge log): %s", c.Capture.HEP)
	add(r.server != nil, "metrics: %s%s", r.MetricsURL(), map[bool]string{true: " (bearer token required)"}[r.token])
	return out
}

// Close stops the metrics server and flushes and closes every output.
func (r *Recording) Close() error {
	var errs []error
	if r.server != nil {
		errs = append(errs, r.server.Close())
	}
	if r.Recorder != nil {
		errs = append(errs, r.Recorder.Close())
	}
	return errors.Join(errs...)
}
