// Package scenarios is edgesim's training library: named, documented lab setups, each a YAML file
// that says how the lab DNS, the Expressway-E stand-in's certificate and the Edge are configured,
// which call is placed, and what must come of it. Parse reads a file without touching the network;
// Run builds a fresh lab on loopback and plays the scenario end to end.
package scenarios

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/labdns"
)

// Direction is which way the call goes.
type Direction string

// Directions of a scenario.
const (
	// Inbound: the Expressway-E stand-in calls into the Edge (UC → Skype).
	Inbound Direction = "inbound"
	// Outbound: the Edge calls out to the Expressway-E stand-in (Skype → UC).
	Outbound Direction = "outbound"
)

// Behaviour is what the Expressway-E stand-in does.
type Behaviour string

// Behaviours of the stand-in; which ones apply depends on the direction.
const (
	// BehaviourAnswer is the default: inbound it connects with its certificate and calls; outbound it
	// accepts the Edge's connection and answers 180, then 200 OK.
	BehaviourAnswer Behaviour = "answer"
	// BehaviourNoClientCert (inbound): the stand-in connects without presenting a client certificate.
	BehaviourNoClientCert Behaviour = "no-client-cert"
	// BehaviourFail (outbound): a final failure answer, peer.fail_status with peer.fail_diagnostics.
	BehaviourFail Behaviour = "fail"
	// BehaviourSilent (outbound): TLS comes up, the INVITE is read and never answered.
	BehaviourSilent Behaviour = "silent"
	// BehaviourRefuseConnection (outbound): nothing listens; the TCP connect is refused.
	BehaviourRefuseConnection Behaviour = "refuse-connection"
	// BehaviourTLSReset (outbound): TCP is accepted, the ClientHello read, the connection reset.
	BehaviourTLSReset Behaviour = "tls-reset"
	// BehaviourRejectEdgeCert (outbound): the stand-in demands a client certificate from a CA it
	// trusts, and does not trust the Edge's, so it aborts the handshake with an alert.
	BehaviourRejectEdgeCert Behaviour = "reject-edge-cert"
	// BehaviourVerifyEdgeCert (outbound): the stand-in verifies the Edge's client certificate as an
	// Expressway-E does, against the lab CA and for clientAuth, and aborts the handshake when it fails.
	BehaviourVerifyEdgeCert Behaviour = "verify-edge-cert"
)

var behaviours = map[Direction][]Behaviour{
	Inbound: {BehaviourAnswer, BehaviourNoClientCert},
	Outbound: {BehaviourAnswer, BehaviourFail, BehaviourSilent, BehaviourRefuseConnection, BehaviourTLSReset, BehaviourRejectEdgeCert,
		BehaviourVerifyEdgeCert},
}

// presentsCert reports whether the stand-in shows a certificate in that behaviour, so peer.cert is needed.
func (b Behaviour) presentsCert() bool {
	switch b {
	case BehaviourNoClientCert, BehaviourRefuseConnection, BehaviourTLSReset:
		return false
	}
	return true
}

// Scenario is one parsed, validated scenario file.
type Scenario struct {
	Name      string            `yaml:"name" json:"name"`
	Title     string            `yaml:"title" json:"title"`
	Direction Direction         `yaml:"direction" json:"direction"`
	Story     string            `yaml:"story" json:"story"`
	Zones     map[string]string `yaml:"zones" json:"zones,omitempty"`
	Peer      Peer              `yaml:"peer" json:"peer"`
	// EdgeCert is the Edge's own certificate when the scenario is about it; nil: the lab's.
	EdgeCert *Cert  `yaml:"edge_cert" json:"edge_cert,omitempty"`
	Call     Call   `yaml:"call" json:"call"`
	Expect   Expect `yaml:"expect" json:"expect"`

	// File is where the scenario came from: library/NAME.yaml or a path.
	File string `yaml:"-" json:"file"`
	// EdgeOverrides is the edge section of the file as written ("" when absent), to show people.
	EdgeOverrides string `yaml:"-" json:"edge_overrides,omitempty"`
	// Edge is config.Default().Edge with the file's overrides applied.
	Edge config.Edge `yaml:"-" json:"-"`

	override *yaml.Node // the edge mapping, applied again on other bases by Config
}

// Peer is the Expressway-E stand-in.
type Peer struct {
	// FQDN is the stand-in's own name in Via and Contact; "" means the certificate's name.
	FQDN            string    `yaml:"fqdn" json:"fqdn,omitempty"`
	Cert            *Cert     `yaml:"cert" json:"cert,omitempty"`
	Behaviour       Behaviour `yaml:"behaviour" json:"behaviour"`
	FailStatus      int       `yaml:"fail_status" json:"fail_status,omitempty"`
	FailReason      string    `yaml:"fail_reason" json:"fail_reason,omitempty"`
	FailDiagnostics string    `yaml:"fail_diagnostics" json:"fail_diagnostics,omitempty"`
}

// Cert is the certificate the stand-in presents.
type Cert struct {
	CN      string   `yaml:"cn" json:"cn,omitempty"`
	SANs    []string `yaml:"sans" json:"sans,omitempty"`
	NoSAN   bool     `yaml:"no_san" json:"no_san,omitempty"`
	Issuer  string   `yaml:"issuer" json:"issuer"`
	Expired bool     `yaml:"expired" json:"expired,omitempty"`
	// The certificates of 2026 (§7): eku server|client|both; intermediate sent|omitted (signed by
	// the lab intermediate); sha1 leaf|intermediate; self_signed; key_type as certs issue takes it.
	EKU          string `yaml:"eku" json:"eku,omitempty"`
	Intermediate string `yaml:"intermediate" json:"intermediate,omitempty"`
	SHA1         string `yaml:"sha1" json:"sha1,omitempty"`
	SelfSigned   bool   `yaml:"self_signed" json:"self_signed,omitempty"`
	KeyType      string `yaml:"key_type" json:"key_type,omitempty"`
}

// LeafRequest is the certificate as the certs package issues it.
func (c Cert) LeafRequest() certs.LeafRequest {
	return certs.LeafRequest{CommonName: c.CN, SANs: c.SANs, NoSAN: c.NoSAN, Expired: c.Expired,
		EKU: certs.EKU(c.EKU), SHA1: c.SHA1 == "leaf", SelfSigned: c.SelfSigned,
		OmitIntermediate: c.Intermediate == "omitted", KeyType: certs.KeyType(c.KeyType)}
}

// IssuerName is the issuing CA, lab when unset.
func (c Cert) IssuerName() certs.Issuer {
	iss, err := certs.ParseIssuer(c.Issuer)
	if err != nil {
		return certs.IssuerLab // Parse refused it already
	}
	return iss
}

// Call is the call the scenario places.
type Call struct {
	From string `yaml:"from" json:"from"`
	To   string `yaml:"to" json:"to"`
	// Timeout bounds the call (outbound: DNS, connect, TLS and the final answer); 0: 5s.
	Timeout time.Duration `yaml:"timeout" json:"timeout,omitempty"`
}

// Expect is the outcome that must be observed.
type Expect struct {
	// Status is the final SIP status: as the Expressway-E stand-in receives it inbound, as the Skype
	// client receives it outbound. 0 means no SIP answer at all (the TLS handshake was refused).
	Status int `yaml:"status" json:"status"`
	// Diagnostic is the ms-diagnostics code on that answer; 0 means the answer carries none.
	Diagnostic int `yaml:"diagnostic" json:"diagnostic,omitempty"`
	// DiagnosticContains are parts the ms-diagnostics value must contain, e.g. fqdn2="…".
	DiagnosticContains []string `yaml:"diagnostic_contains" json:"diagnostic_contains,omitempty"`
	// ResultCode is the Edge-log record's Result-Code, "0x…"; "" means no record is written.
	ResultCode string `yaml:"result_code" json:"result_code,omitempty"`
	// ReachesPeer (outbound) says whether the INVITE must reach the stand-in; nil: not checked.
	ReachesPeer *bool `yaml:"reaches_peer" json:"reaches_peer,omitempty"`
	// PeerErrorContains (inbound) are parts of the error the stand-in's call ended with, e.g. the TLS
	// alert "bad certificate" when the Edge refused its certificate in the handshake.
	PeerErrorContains []string `yaml:"peer_error_contains" json:"peer_error_contains,omitempty"`
}

// DefaultCallTimeout bounds a call whose file gives no call.timeout.
const DefaultCallTimeout = 5 * time.Second

// maxCallTimeout keeps one scenario from holding up a library run.
const maxCallTimeout = 10 * time.Second

// ParseError is a scenario file that cannot be used as written: the file, the line (0 when the
// key is missing altogether) and the key.
type ParseError struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString("key ")
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// fileFormat is the document as decoded strictly; Edge starts as the defaults so the file's
// overrides land on top of them.
type fileFormat struct {
	Name      string            `yaml:"name"`
	Title     string            `yaml:"title"`
	Direction Direction         `yaml:"direction"`
	Story     string            `yaml:"story"`
	Zones     map[string]string `yaml:"zones"`
	Peer      Peer              `yaml:"peer"`
	EdgeCert  *Cert             `yaml:"edge_cert"`
	Call      Call              `yaml:"call"`
	Edge      config.Edge       `yaml:"edge"`
	Expect    struct {
		Status             *int     `yaml:"status"`
		Diagnostic         int      `yaml:"diagnostic"`
		DiagnosticContains []string `yaml:"diagnostic_contains"`
		ResultCode         string   `yaml:"result_code"`
		ReachesPeer        *bool    `yaml:"reaches_peer"`
		PeerErrorContains  []string `yaml:"peer_error_contains"`
	} `yaml:"expect"`
}

// runnerOwned are edge keys a scenario may not set: the runner and `edgesim run`'s own
// configuration decide where the Edge listens, which certificate it has and where its log goes.
var runnerOwned = []string{"listen", "cert_file", "key_file", "edge_log.file"}

// Parse reads one scenario file. name is the file's name in errors. It touches no sockets and no
// files: every problem comes back as file:line: key K: what is wrong.
func Parse(name string, data []byte) (*Scenario, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		if located := config.DecodeStrictYAML(name, data, &fileFormat{}); located != nil {
			return nil, located // the same error, with its line and key
		}
		return nil, &ParseError{File: name, Msg: err.Error()}
	}
	top := documentMapping(&root)
	if top == nil {
		return nil, &ParseError{File: name, Line: max(root.Line, 1), Msg: "a scenario file is a YAML mapping (name, title, direction, …)"}
	}
	f := fileFormat{Edge: config.Default().Edge}
	if err := config.DecodeStrictYAML(name, data, &f); err != nil {
		return nil, err
	}
	s := &Scenario{
		Name: f.Name, Title: f.Title, Direction: f.Direction, Story: f.Story, Zones: f.Zones,
		Peer: f.Peer, EdgeCert: f.EdgeCert, Call: f.Call, Edge: f.Edge, File: name,
		Expect: Expect{Diagnostic: f.Expect.Diagnostic, DiagnosticContains: f.Expect.DiagnosticContains,
			ResultCode: f.Expect.ResultCode, ReachesPeer: f.Expect.ReachesPeer, PeerErrorContains: f.Expect.PeerErrorContains},
	}
	if f.Expect.Status != nil {
		s.Expect.Status = *f.Expect.Status
	}
	if s.Peer.Behaviour == "" {
		s.Peer.Behaviour = BehaviourAnswer
	}
	if s.Peer.Cert != nil && s.Peer.Cert.Issuer == "" {
		s.Peer.Cert.Issuer = string(certs.IssuerLab)
	}
	v := validator{file: name, root: top}
	// The strict decode let through only a mapping or null for edge.
	if n := v.node("edge"); n != nil && n.Kind == yaml.MappingNode {
		s.override = n
		for _, key := range runnerOwned {
			if kn := v.keyNode("edge." + key); kn != nil {
				v.add(kn.Line, "edge."+key, "is set by the runner (and by edgesim run's own configuration), not by a scenario")
			}
		}
		if len(n.Content) > 0 {
			if text, err := yaml.Marshal(n); err == nil {
				s.EdgeOverrides = strings.TrimSpace(string(text))
			}
		}
	}
	v.check(s, f.Expect.Status != nil)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s, nil
}

// Config is the configuration the scenario describes on top of base. The lab DNS serves base's
// zones (labdns.ZonesOrDefault: the seed's lab when base has none) with each of the scenario's zones
// replacing the zone of the same domain; its edge overrides apply over base.Edge; and the lab's
// public CA (lab.dir/public-ca.pem) is trusted the way Windows trusts public roots, on both trust
// profiles. The caller makes sure that CA exists (EnsureLabCAs).
func (s *Scenario) Config(base config.Config) (config.Config, error) {
	cfg := base
	cfg.Edge.Domains = append([]string(nil), base.Edge.Domains...)
	if s.override != nil {
		if err := s.override.Decode(&cfg.Edge); err != nil {
			return base, fmt.Errorf("%s: edge: %w", s.File, err)
		}
	}
	zones := labdns.ZonesOrDefault(base.DNS.Zones)
	cfg.DNS.Zones = make(map[string]string, len(zones)+len(s.Zones))
	for k, z := range zones {
		cfg.DNS.Zones[certs.NormalizeFQDN(k)] = z
	}
	for k, z := range s.Zones {
		cfg.DNS.Zones[certs.NormalizeFQDN(k)] = z
	}
	for i, f := range cfg.Edge.Trust.CAFiles {
		// A scenario cannot know where its lab is: a relative CA file (lab-intermediate.pem) is in it.
		if f != "" && !filepath.IsAbs(f) {
			cfg.Edge.Trust.CAFiles[i] = filepath.Join(cfg.Lab.Dir, f)
		}
	}
	public, _ := certs.IssuerPublic.Files(cfg.Lab.Dir)
	cfg.Edge.Trust.PublicCAFiles = appendNew(cfg.Edge.Trust.PublicCAFiles, public)
	return cfg, nil
}

func appendNew(list []string, s string) []string {
	out := append([]string(nil), list...)
	for _, x := range out {
		if x == s {
			return out
		}
	}
	return append(out, s)
}
