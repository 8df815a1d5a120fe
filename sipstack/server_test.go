package sipstack

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"
)

// The SIP layer takes the configuration's values and has no defaults of its own to drift from them.
func TestNewServerRefusesAnIncompleteConfig(t *testing.T) {
	full := Config{Certificate: tls.Certificate{Certificate: [][]byte{{1}}}, MinTLS: tls.VersionTLS12,
		HandshakeTimeout: time.Second, MaxMessageBytes: 65536, ServerHeader: "RTC/6.0", RTPPortLow: 50000, RTPPortHigh: 50999,
		DialogIdleTimeout: time.Hour, DialogConnGrace: time.Second}
	for _, tc := range []struct {
		want  string
		unset func(*Config)
	}{
		{"needs a certificate", func(c *Config) { c.Certificate = tls.Certificate{} }},
		{"no minimum TLS version", func(c *Config) { c.MinTLS = 0 }},
		{"handshake timeout", func(c *Config) { c.HandshakeTimeout = 0 }},
		{"maximum message size", func(c *Config) { c.MaxMessageBytes = 0 }},
		{"no Server header", func(c *Config) { c.ServerHeader = "" }},
		{"dialog bounds must be positive", func(c *Config) { c.DialogIdleTimeout = 0 }},
		{"dialog bounds must be positive", func(c *Config) { c.DialogConnGrace = 0 }},
		{"RTP ports 0-0", func(c *Config) { c.RTPPortLow, c.RTPPortHigh = 0, 0 }},
	} {
		cfg := full
		tc.unset(&cfg)
		if _, err := NewServer(cfg, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v", tc.want, err)
		}
	}
}
