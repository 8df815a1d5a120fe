// Package config holds edgesim's configuration as plain, documented values.
// Loading (viper, environment, flags) happens in cmd/; libraries only see these structs.
package config

import (
	"time"

	"github.com/edgesim/edgesim/edge/lync"
	"github.com/edgesim/edgesim/edge/schannel"
)

// Config is the whole edgesim configuration; YAML keys are the contract documented in the README.
type Config struct {
	Lab  Lab  `yaml:"lab" mapstructure:"lab"`
	Edge Edge `yaml:"edge" mapstructure:"edge"`
	DNS  DNS  `yaml:"dns" mapstructure:"dns"`
	// Console is the browser view of the attempts (config/console.go).
	Console Console `yaml:"console" mapstructure:"console"`
	// Recording is off by default: every output below is "".
	Record  Record  `yaml:"record" mapstructure:"record"`
	Capture Capture `yaml:"capture" mapstructure:"capture"`
	Metrics Metrics `yaml:"metrics" mapstructure:"metrics"`
}

// Lab is where edgesim keeps its state: CAs, issued certificates, the Edge log.
type Lab struct {
	Dir string `yaml:"dir" mapstructure:"dir"`
}

// Edge is the emulated Access Edge.
type Edge struct {
	FQDN              string        `yaml:"fqdn" mapstructure:"fqdn"`
	Domains           []string      `yaml:"domains" mapstructure:"domains"`
	Users             []string      `yaml:"users" mapstructure:"users"`
	Listen            string        `yaml:"listen" mapstructure:"listen"`
	RequireClientCert bool          `yaml:"require_client_cert" mapstructure:"require_client_cert"`
	HandshakeTimeout  time.Duration `yaml:"handshake_timeout" mapstructure:"handshake_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout" mapstructure:"idle_timeout"`
	MessageTimeout    time.Duration `yaml:"message_timeout" mapstructure:"message_timeout"`
	MaxMessageBytes   int           `yaml:"max_message_bytes" mapstructure:"max_message_bytes"`
	MaxConnections    int           `yaml:"max_connections" mapstructure:"max_connections"`
	MaxConnsPerIP     int           `yaml:"max_connections_per_ip" mapstructure:"max_connections_per_ip"`
	MaxTransactions   int           `yaml:"max_transactions" mapstructure:"max_transactions"`
	CertFile          string        `yaml:"cert_file" mapstructure:"cert_file"`
	KeyFile           string        `yaml:"key_file" mapstructure:"key_file"`
	Trust             Trust         `yaml:"trust" mapstructure:"trust"`
	TLS               TLSVersions   `yaml:"tls" mapstructure:"tls"`
	Diagnostics       string        `yaml:"diagnostics" mapstructure:"diagnostics"`
	ServerHeader      string        `yaml:"server_header" mapstructure:"server_header"`
	Federation        Federation    `yaml:"federation" mapstructure:"federation"`
	EdgeLog           EdgeLog       `yaml:"edge_log" mapstructure:"edge_log"`
	RTPPorts          string        `yaml:"rtp_ports" mapstructure:"rtp_ports"`
	AnswerDelay       time.Duration `yaml:"answer_delay" mapstructure:"answer_delay"`
	HangupAfter       time.Duration `yaml:"hangup_after" mapstructure:"hangup_after"`
	ClientProfile     string        `yaml:"client_profile" mapstructure:"client_profile"`
	DialogIdle        time.Duration `yaml:"dialog_idle_timeout" mapstructure:"dialog_idle_timeout"`
	DialogConnGrace   time.Duration `yaml:"dialog_conn_grace" mapstructure:"dialog_conn_grace"`
}

// Trust decides which CAs the Edge accepts for a federated peer.
type Trust struct {
	Profile       string   `yaml:"profile" mapstructure:"profile"`
	CAFiles       []string `yaml:"ca_files" mapstructure:"ca_files"`
	PublicCAFiles []string `yaml:"public_ca_files" mapstructure:"public_ca_files"`
}

// TLSVersions is the Edge's TLS in both directions: a profile (edge/schannel) gives the versions
// and cipher suites; min_version and max_version ("1.0" … "1.3"), when set, override its versions.
type TLSVersions struct {
	Profile    string `yaml:"profile" mapstructure:"profile"`
	MinVersion string `yaml:"min_version" mapstructure:"min_version"`
	MaxVersion string `yaml:"max_version" mapstructure:"max_version"`
}

// Federation mirrors Set-CsAccessEdgeConfiguration and the allowed/blocked domain lists.
type Federation struct {
	PartnerDiscovery bool            `yaml:"partner_discovery" mapstructure:"partner_discovery"`
	Allowed          []AllowedDomain `yaml:"allowed" mapstructure:"allowed"`
	Blocked          []string        `yaml:"blocked" mapstructure:"blocked"`
}

// AllowedDomain is one New-CsAllowedDomain entry; ProxyFQDN, when set, replaces SRV discovery.
type AllowedDomain struct {
	Domain    string `yaml:"domain" mapstructure:"domain"`
	ProxyFQDN string `yaml:"proxy_fqdn" mapstructure:"proxy_fqdn"`
}

// EdgeLog is the Edge's own diagnostic log.
type EdgeLog struct {
	File    string `yaml:"file" mapstructure:"file"`
	Machine string `yaml:"machine" mapstructure:"machine"`
}

// DNS is the embedded lab DNS server and the resolver the Edge uses.
type DNS struct {
	Listen   string            `yaml:"listen" mapstructure:"listen"`
	Resolver string            `yaml:"resolver" mapstructure:"resolver"`
	Timeout  time.Duration     `yaml:"timeout" mapstructure:"timeout"`
	Zones    map[string]string `yaml:"zones" mapstructure:"zones"`
}

// Trust profiles.
const (
	ProfileOnPrem    = "onprem"
	ProfileOffice365 = "office365"
)

// Diagnostics modes.
const (
	DiagnosticsAnnotated = "annotated"
	DiagnosticsFaithful  = "faithful"
)

// Default is the seed's lab on loopback.
func Default() Config {
	return Config{
		Lab: Lab{Dir: "./edgesim-lab"},
		Edge: Edge{
			FQDN:              "sip.skype.lab",
			Domains:           []string{"skype.lab"},
			Users:             []string{},
			Listen:            "127.0.0.1:5061",
			RequireClientCert: true,
			HandshakeTimeout:  10 * time.Second,
			IdleTimeout:       5 * time.Minute,
			MessageTimeout:    10 * time.Second,
			MaxMessageBytes:   65536,
			MaxConnections:    4096,
			MaxConnsPerIP:     256,
			MaxTransactions:   1000,
			Trust:             Trust{Profile: ProfileOnPrem, CAFiles: []string{}, PublicCAFiles: []string{}},
			TLS:               TLSVersions{Profile: schannel.Default},
			Diagnostics:       DiagnosticsAnnotated,
			ServerHeader:      "RTC/6.0",
			ClientProfile:     string(lync.SfB2015),
			Federation:        Federation{PartnerDiscovery: true, Allowed: []AllowedDomain{}, Blocked: []string{}},
			EdgeLog:           EdgeLog{Machine: "sfvedge"},
			RTPPorts:          "50000-50999",
			AnswerDelay:       0,
			HangupAfter:       0,
			DialogIdle:        time.Hour,
			DialogConnGrace:   30 * time.Second,
		},
		DNS: DNS{
			Listen:   "127.0.0.1:5353",
			Resolver: "embedded",
			Timeout:  2 * time.Second,
			Zones:    map[string]string{},
		},
		Console: Console{Listen: DefaultConsoleListen},
		Record:  Record{History: 1000},
	}
}
