package config

import (
	"net"
	"strconv"
	"strings"
)

// Record is the attempt record: what the Edge keeps of every attempt.
type Record struct {
	History int    `yaml:"history" mapstructure:"history"` // attempts kept in memory while recording is on
	JSONL   string `yaml:"jsonl" mapstructure:"jsonl"`     // append each attempt as one JSON line; "": off
}

// Capture is the wire as the engineers' own tools read it.
type Capture struct {
	PCAPNG string `yaml:"pcapng" mapstructure:"pcapng"` // every federation connection, key log inside; "": off
	KeyLog string `yaml:"keylog" mapstructure:"keylog"` // the NSS key log; "": $SSLKEYLOGFILE, else off
	HEP    string `yaml:"hep" mapstructure:"hep"`       // udp:HOST:PORT (sngrep -L, Homer); "": off
}

// Metrics is the Prometheus endpoint.
type Metrics struct {
	Listen string `yaml:"listen" mapstructure:"listen"` // HOST:PORT or a bare PORT (loopback); "": off
	Token  string `yaml:"token" mapstructure:"token"`   // bearer token; required beyond loopback
}

// Addr is where metrics are served: a bare port, or ":PORT", is taken as loopback, because an
// endpoint meant for everyone must be asked for by name (0.0.0.0:PORT) and then needs a token.
func (m Metrics) Addr() string {
	s := strings.TrimPrefix(m.Listen, ":")
	if _, err := strconv.ParseUint(s, 10, 16); err == nil {
		return net.JoinHostPort("127.0.0.1", s)
	}
	return m.Listen
}

// Loopback says whether Addr listens on loopback only.
func (m Metrics) Loopback() bool {
	host, _, err := net.SplitHostPort(m.Addr())
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// maxHistory bounds record.history: each attempt kept holds its SIP messages whole.
const maxHistory = 1_000_000

func (c Config) validateRecording(bad func(key, format string, args ...any)) {
	if c.Record.History < 1 || c.Record.History > maxHistory {
		bad("record.history", "must be between 1 and %d, got %d", maxHistory, c.Record.History)
	}
	if h := c.Capture.HEP; h != "" {
		rest, ok := strings.CutPrefix(h, "udp:")
		if _, _, err := net.SplitHostPort(rest); !ok || err != nil {
			bad("capture.hep", "%q is not udp:HOST:PORT (or \"\" to disable)", h)
		}
	}
	if m := c.Metrics; m.Listen != "" {
		if _, port, err := net.SplitHostPort(m.Addr()); err != nil || port == "" {
			bad("metrics.listen", "%q is not HOST:PORT or PORT (or \"\" to disable)", m.Listen)
		} else if !m.Loopback() && m.Token == "" {
			bad("metrics.token", "required when metrics.listen (%s) is not loopback: anyone who reaches it would read the Edge's traffic figures", m.Listen)
		}
	}
}
