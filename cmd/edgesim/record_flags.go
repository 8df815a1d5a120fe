package main

import (
	"github.com/spf13/cobra"

	"github.com/edgesim/edgesim/config"
)

// recordFlags are run's flags for record.*, capture.* and metrics.*: each overrides its key.
type recordFlags struct {
	history                    int
	jsonl, pcapng, keylog, hep string
	listen, token              string
}

func (f *recordFlags) register(c *cobra.Command) {
	fs := c.Flags()
	fs.IntVar(&f.history, "record-history", 0, "record.history: attempts kept in memory")
	fs.StringVar(&f.jsonl, "record-jsonl", "", "record.jsonl: append every attempt to this file as a JSON line")
	fs.StringVar(&f.pcapng, "capture-pcapng", "", "capture.pcapng: write every federation connection to this pcapng, TLS keys inside")
	fs.StringVar(&f.keylog, "capture-keylog", "", "capture.keylog: write the NSS key log here (default $SSLKEYLOGFILE)")
	fs.StringVar(&f.hep, "capture-hep", "", "capture.hep: send SIP and Edge-log records as HEP v3 to udp:HOST:PORT")
	fs.StringVar(&f.listen, "metrics-listen", "", "metrics.listen: serve Prometheus /metrics on HOST:PORT or PORT (loopback)")
	fs.StringVar(&f.token, "metrics-token", "", "metrics.token: bearer token for /metrics (required beyond loopback)")
}

// apply lays the flags given on the command line over cfg and validates the result again.
func (f *recordFlags) apply(c *cobra.Command, cfg *config.Config) error {
	set := func(name string, dst *string, v string) {
		if c.Flags().Changed(name) {
			*dst = v
		}
	}
	if c.Flags().Changed("record-history") {
		cfg.Record.History = f.history
	}
	set("record-jsonl", &cfg.Record.JSONL, f.jsonl)
	set("capture-pcapng", &cfg.Capture.PCAPNG, f.pcapng)
	set("capture-keylog", &cfg.Capture.KeyLog, f.keylog)
	set("capture-hep", &cfg.Capture.HEP, f.hep)
	set("metrics-listen", &cfg.Metrics.Listen, f.listen)
	set("metrics-token", &cfg.Metrics.Token, f.token)
	if err := cfg.Validate(); err != nil {
		return usageErr(err)
	}
	return nil
}
