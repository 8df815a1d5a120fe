package main

import (
	"fmt"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/edge"
)

// pcapngFlagHelp is --pcapng's help on call, check and scenario run.
const pcapngFlagHelp = "write the attempt's connections to this pcapng (0600), TLS keys inside: one file to mail, Wireshark opens it decrypted"

// openAttemptCapture is --pcapng: a recorder writing only that file; nil when path is "".
func openAttemptCapture(path string, log zerolog.Logger) (*edge.Recorder, error) {
	if path == "" {
		return nil, nil
	}
	rec, err := edge.NewRecorder(edge.RecordOptions{PCAPNG: path, History: 16, Logger: log})
	if err != nil {
		return nil, usageErr(fmt.Errorf("--pcapng: %w", err))
	}
	return rec, nil
}

// closeAttemptCapture flushes the file and, unless the output is JSON, says where it is.
func (a *app) closeAttemptCapture(rec *edge.Recorder, path string, quiet bool) error {
	if rec == nil {
		return nil
	}
	if err := rec.Close(); err != nil {
		return fmt.Errorf("--pcapng %s: %w", path, err)
	}
	if !quiet {
		fmt.Fprintf(a.stdout, "\nCapture (TLS keys inside, Wireshark opens it decrypted): %s\n", path)
	}
	return nil
}
