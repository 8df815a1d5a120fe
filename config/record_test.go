package config

import (
	"strings"
	"testing"
)

func TestRecordingKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*Config)
		want string // "" valid; else the key named in the error
	}{
		{"defaults", func(*Config) {}, ""},
		{"hep", func(c *Config) { c.Capture.HEP = "udp:127.0.0.1:9060" }, ""},
		{"hep without udp:", func(c *Config) { c.Capture.HEP = "127.0.0.1:9060" }, "capture.hep"},
		{"history 0", func(c *Config) { c.Record.History = 0 }, "record.history"},
		{"bare port", func(c *Config) { c.Metrics.Listen = "9464" }, ""},
		{"loopback", func(c *Config) { c.Metrics.Listen = "[::1]:9464" }, ""},
		{"everywhere without token", func(c *Config) { c.Metrics.Listen = "0.0.0.0:9464" }, "metrics.token"},
		{"everywhere with token", func(c *Config) { c.Metrics.Listen, c.Metrics.Token = "0.0.0.0:9464", "s3cret" }, ""},
		{"not an address", func(c *Config) { c.Metrics.Listen = "metrics" }, "metrics.listen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.set(&c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want+":")):
				t.Fatalf("want an error naming %s, got %v", tc.want, err)
			}
		})
	}
	for in, want := range map[string]string{"9464": "127.0.0.1:9464", ":9464": "127.0.0.1:9464", "0.0.0.0:9464": "0.0.0.0:9464"} {
		if got := (Metrics{Listen: in}).Addr(); got != want {
			t.Errorf("Addr(%q) = %q, want %q", in, got, want)
		}
	}
}
