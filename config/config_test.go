package config

import (
	"crypto/tls"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

// Each bad value is reported with its key, and only the bad keys are reported.
func TestValidateNamesTheKey(t *testing.T) {
	tests := []struct {
		key string
		mut func(*Config)
	}{
		{"lab.dir", func(c *Config) { c.Lab.Dir = "" }},
		{"edge.fqdn", func(c *Config) { c.Edge.FQDN = "sip skype" }},
		{"edge.domains", func(c *Config) { c.Edge.Domains = nil }},
		{"edge.listen", func(c *Config) { c.Edge.Listen = "5061" }},
		{"edge.handshake_timeout", func(c *Config) { c.Edge.HandshakeTimeout = 0 }},
		{"edge.idle_timeout", func(c *Config) { c.Edge.IdleTimeout = -time.Second }},
		{"edge.message_timeout", func(c *Config) { c.Edge.MessageTimeout = 0 }},
		{"edge.max_message_bytes", func(c *Config) { c.Edge.MaxMessageBytes = 10 }},
		{"edge.max_connections", func(c *Config) { c.Edge.MaxConnections = 0 }},
		{"edge.max_connections_per_ip", func(c *Config) { c.Edge.MaxConnsPerIP = 0 }},
		{"edge.max_connections_per_ip", func(c *Config) { c.Edge.MaxConnections, c.Edge.MaxConnsPerIP = 10, 11 }},
		{"edge.max_transactions", func(c *Config) { c.Edge.MaxTransactions = 0 }},
		{"edge.cert_file", func(c *Config) { c.Edge.CertFile = "edge.pem" }},
		{"edge.trust.profile", func(c *Config) { c.Edge.Trust.Profile = "cloud" }},
		{"edge.tls.min_version", func(c *Config) { c.Edge.TLS.MinVersion = "1.4" }},
		{"edge.tls.min_version", func(c *Config) { c.Edge.TLS.MinVersion, c.Edge.TLS.MaxVersion = "1.3", "1.2" }},
		{"edge.tls.max_version", func(c *Config) { c.Edge.TLS.MaxVersion = "tls13" }},
		{"edge.diagnostics", func(c *Config) { c.Edge.Diagnostics = "verbose" }},
		{"edge.server_header", func(c *Config) { c.Edge.ServerHeader = "" }},
		{"edge.federation.allowed[1].domain", func(c *Config) {
			c.Edge.Federation.Allowed = []AllowedDomain{{Domain: "a.lab"}, {ProxyFQDN: "x.lab"}}
		}},
		{"edge.edge_log.machine", func(c *Config) { c.Edge.EdgeLog.Machine = "" }},
		{"edge.rtp_ports", func(c *Config) { c.Edge.RTPPorts = "60000-50000" }},
		{"edge.answer_delay", func(c *Config) { c.Edge.AnswerDelay = -1 }},
		{"edge.hangup_after", func(c *Config) { c.Edge.HangupAfter = -1 }},
		{"edge.dialog_idle_timeout", func(c *Config) { c.Edge.DialogIdle = 0 }},
		{"edge.dialog_conn_grace", func(c *Config) { c.Edge.DialogConnGrace = -time.Second }},
		{"dns.listen", func(c *Config) { c.DNS.Listen = "localhost" }},
		{"dns.resolver", func(c *Config) { c.DNS.Resolver = "cloudflare" }},
		{"dns.timeout", func(c *Config) { c.DNS.Timeout = 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			c := Default()
			tc.mut(&c)
			err := c.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("no FieldError: %v", err)
			}
			if fe.Key != tc.key || strings.Count(err.Error(), "\n") != 0 {
				t.Errorf("got %q, want only key %s", err, tc.key)
			}
		})
	}
	c := Default()
	c.DNS.Listen, c.DNS.Resolver = "", "127.0.0.1:53"
	if err := c.Validate(); err != nil {
		t.Errorf("dns.listen \"\" and a HOST:PORT resolver are valid: %v", err)
	}
}

func TestDecodeStrictYAML(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown nested key", "edge:\n  trust:\n    profil: onprem\n", `lab.yaml:3: key edge.trust.profil: unknown key "profil"`},
		{"wrong type", "edge:\n  users: 7\n", "lab.yaml:2: key edge.users:"},
		{"duration", "dns:\n  timeout: quickly\n", "lab.yaml:2: key dns.timeout:"},
		{"syntax", "edge:\n  fqdn: [unclosed\n", "lab.yaml:"},
		{"list item", "edge:\n  federation:\n    allowed:\n      - domain: a.lab\n        proxy: b.lab\n", `lab.yaml:5: key edge.federation.allowed[0].proxy: unknown key "proxy"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			err := DecodeStrictYAML("lab.yaml", []byte(tc.yaml), &c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	c := Default()
	if err := DecodeStrictYAML("ok.yaml", []byte("edge:\n  idle_timeout: 90s\n  domains: [a.lab]\n"), &c); err != nil {
		t.Fatal(err)
	}
	if c.Edge.IdleTimeout != 90*time.Second || c.Edge.Domains[0] != "a.lab" || c.Edge.FQDN != "sip.skype.lab" {
		t.Errorf("decoded onto defaults wrongly: %+v", c.Edge)
	}
	if err := DecodeStrictYAML("empty.yaml", nil, &c); err != nil {
		t.Errorf("an empty file is fine: %v", err)
	}
}

func TestRTPPortRange(t *testing.T) {
	if lo, hi, err := RTPPortRange("50000-50999"); err != nil || lo != 50000 || hi != 50999 {
		t.Errorf("%d %d %v", lo, hi, err)
	}
	for _, bad := range []string{"", "50000", "a-b", "80-90", "50000-70000"} {
		if _, _, err := RTPPortRange(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestTLSVersions(t *testing.T) {
	lo, hi, err := TLSVersions{MinVersion: "1.2", MaxVersion: "1.3"}.Versions()
	if err != nil || lo != tls.VersionTLS12 || hi != tls.VersionTLS13 {
		t.Errorf("1.2-1.3: %x %x %v", lo, hi, err)
	}
	// The profile gives the versions; min_version and max_version only override what they name.
	for _, tc := range []struct {
		v      TLSVersions
		lo, hi uint16
	}{
		{TLSVersions{}, tls.VersionTLS12, tls.VersionTLS12},
		{TLSVersions{Profile: "lync2013"}, tls.VersionTLS10, tls.VersionTLS10},
		{TLSVersions{Profile: "sfb2015-unhardened", MinVersion: "1.1"}, tls.VersionTLS11, tls.VersionTLS12},
		{TLSVersions{Profile: "modern"}, tls.VersionTLS12, tls.VersionTLS13},
	} {
		if lo, hi, err := tc.v.Versions(); err != nil || lo != tc.lo || hi != tc.hi {
			t.Errorf("%+v: %x %x %v, want %x %x", tc.v, lo, hi, err, tc.lo, tc.hi)
		}
	}
	for _, tc := range []struct {
		v    TLSVersions
		keys []string
	}{
		{TLSVersions{MinVersion: "1.3", MaxVersion: "1.2"}, []string{"min_version"}},
		{TLSVersions{MinVersion: "1.2", MaxVersion: "2"}, []string{"max_version"}},
		{TLSVersions{MinVersion: "0.9", MaxVersion: "x"}, []string{"min_version", "max_version"}},
		{TLSVersions{Profile: "sfb2019"}, []string{"profile"}},
		{TLSVersions{Profile: "lync2013", MinVersion: "1.2"}, []string{"min_version"}}, // above the profile's 1.0
	} {
		lo, hi, err := tc.v.Versions()
		var keys []string
		for _, fe := range fieldErrors(err) {
			keys = append(keys, fe.Key)
		}
		if lo != 0 || hi != 0 || !slices.Equal(keys, tc.keys) {
			t.Errorf("%+v: %x %x, keys %v (%v); want 0 0 and %v", tc.v, lo, hi, keys, err, tc.keys)
		}
	}
}
