// Package scenarios is edgesim's training library: named, documented lab setups, each a YAML file
// that says how the lab DNS, the Expressway-E stand-in's certificate and the Edge are configured,
// which call is placed, and what must come of it. Parse reads a file without touching the network;
// Run builds a fresh lab on loopback and plays the scenario end to end.
package scenarios

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/edge/policy"
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

var (
	nameRE       = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*[a-z0-9]$`)
	resultCodeRE = regexp.MustCompile(`^0x[0-9a-f]{8}$`)
)

// validator collects every fault of a file, each with the line of its key.
type validator struct {
	file string
	root *yaml.Node
	errs []error
}

func (v *validator) add(line int, key, format string, args ...any) {
	v.errs = append(v.errs, &ParseError{File: v.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// bad reports a fault of a key, at the line of its value when present.
func (v *validator) bad(key, format string, args ...any) {
	line := 0
	if n := v.node(key); n != nil {
		line = n.Line
	} else if kn := v.keyNode(parentKey(key)); kn != nil {
		line = kn.Line
	}
	v.add(line, key, format, args...)
}

func (v *validator) err() error { return errors.Join(v.errs...) }

func parentKey(key string) string {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[:i]
	}
	return ""
}

func documentMapping(root *yaml.Node) *yaml.Node {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	return n
}

// lookup walks a dotted key path; it returns the key node and the value node.
func (v *validator) lookup(path string) (key, value *yaml.Node) {
	if path == "" {
		return nil, v.root
	}
	parts := strings.Split(path, ".")
	if rest, ok := strings.CutPrefix(path, "zones."); ok {
		parts = []string{"zones", rest} // zone names hold dots
	}
	n := v.root
	for _, part := range parts {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil, nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				key, next = n.Content[i], n.Content[i+1]
				break
			}
		}
		if next == nil {
			return nil, nil
		}
		n = next
	}
	return key, n
}

func (v *validator) node(path string) *yaml.Node    { _, n := v.lookup(path); return n }
func (v *validator) keyNode(path string) *yaml.Node { k, _ := v.lookup(path); return k }

func (v *validator) check(s *Scenario, hasStatus bool) {
	switch {
	case s.Name == "":
		v.bad("name", "is required: a short lower-case name such as cert-wildcard-inbound")
	case !nameRE.MatchString(s.Name):
		v.bad("name", "%q: use lower-case letters, digits and dashes", s.Name)
	}
	if strings.TrimSpace(s.Title) == "" {
		v.bad("title", "is required: one line saying what is wrong")
	}
	if strings.TrimSpace(s.Story) == "" {
		v.bad("story", "is required: what is wrong, what each side shows, how to fix it")
	}
	allowed, ok := behaviours[s.Direction]
	switch {
	case s.Direction == "":
		v.bad("direction", "is required: inbound (Expressway-E calls the Edge) or outbound (the Edge calls Expressway-E)")
	case !ok:
		v.bad("direction", "%q is not inbound or outbound", s.Direction)
	}
	v.checkZones(s)
	v.checkPeer(s, ok, allowed)
	v.checkCall(s)
	if s.EdgeCert != nil {
		v.checkCertVariant("edge_cert", *s.EdgeCert)
	}
	v.checkEdge(s)
	v.checkExpect(s, hasStatus)
}

func (v *validator) checkZones(s *Scenario) {
	for domain, text := range s.Zones {
		key := "zones." + domain
		if strings.TrimSpace(domain) == "" || strings.ContainsAny(domain, " /\\:") {
			v.bad(key, "%q is not a domain name", domain)
		}
		if !strings.Contains(text, "\n") && strings.TrimSpace(text) != "" {
			// A one-line value would be read as a file path by the lab DNS.
			v.bad(key, "give the zone's records as a block (%s: |, then one record a line), not a one-line value", domain)
			continue
		}
		if _, err := labdns.ParseZones(map[string]string{domain: text}); err != nil {
			v.zoneError(key, err)
		}
	}
}

// zoneError reports a zone the lab DNS would refuse, at the line of the file that holds the record.
func (v *validator) zoneError(key string, err error) {
	var ze *labdns.ZoneError
	n := v.node(key)
	line := v.lineOr(key)
	if !errors.As(err, &ze) || ze.Line == 0 {
		v.add(line, key, "%v", err)
		return
	}
	if n != nil && (n.Style == yaml.LiteralStyle || n.Style == yaml.FoldedStyle) {
		line = n.Line + ze.Line // a block scalar's text starts on the line after its | or >
	}
	v.add(line, key, "%q: %v", ze.Text, ze.Err)
}

func (v *validator) checkPeer(s *Scenario, dirOK bool, allowed []Behaviour) {
	p := s.Peer
	if dirOK {
		found := false
		for _, b := range allowed {
			found = found || b == p.Behaviour
		}
		if !found {
			names := make([]string, len(allowed))
			for i, b := range allowed {
				names[i] = string(b)
			}
			v.bad("peer.behaviour", "%q is not a behaviour of an %s scenario (%s)", p.Behaviour, s.Direction, strings.Join(names, ", "))
		}
	}
	if p.FQDN != "" && strings.ContainsAny(p.FQDN, " /:@") {
		v.bad("peer.fqdn", "%q is not a host name", p.FQDN)
	}
	if p.Behaviour != BehaviourFail {
		for _, k := range []string{"fail_status", "fail_reason", "fail_diagnostics"} {
			if v.node("peer."+k) != nil {
				v.bad("peer."+k, "only applies with behaviour: fail")
			}
		}
	} else if p.FailStatus != 0 && (p.FailStatus < 300 || p.FailStatus > 699) {
		v.bad("peer.fail_status", "%d is not a failure status (300-699)", p.FailStatus)
	}
	if strings.ContainsAny(p.FailReason+p.FailDiagnostics, "\r\n") {
		v.bad("peer.fail_reason", "fail_reason and fail_diagnostics are single header lines")
	}
	switch {
	case p.Cert == nil && p.Behaviour.presentsCert():
		v.bad("peer.cert", "is required: the certificate the stand-in presents, e.g. {cn: vcse.acano.steven.lab}")
	case p.Cert != nil && !p.Behaviour.presentsCert():
		v.bad("peer.cert", "is never presented with behaviour %s: leave it out", p.Behaviour)
	case p.Cert != nil:
		c := p.Cert
		v.checkCertVariant("peer.cert", *c)
		if _, err := certs.ParseIssuer(c.Issuer); err != nil {
			v.bad("peer.cert.issuer", "%q is not lab, untrusted or public", c.Issuer)
		}
		switch {
		case c.NoSAN && len(c.SANs) > 0:
			v.bad("peer.cert.no_san", "no_san and sans exclude each other")
		case c.NoSAN && c.CN == "":
			v.bad("peer.cert.cn", "a certificate without SANs needs a cn")
		case c.CN == "" && len(c.SANs) == 0:
			v.bad("peer.cert", "needs a cn or sans")
		}
		for i, n := range append([]string{c.CN}, c.SANs...) {
			if strings.ContainsAny(n, " /:@\r\n") {
				key := "peer.cert.cn"
				if i > 0 {
					key = fmt.Sprintf("peer.cert.sans[%d]", i-1)
				}
				v.add(v.lineOr("peer.cert"), key, "%q is not a DNS name", n)
			}
		}
	}
}

func (v *validator) lineOr(path string) int {
	if n := v.node(path); n != nil {
		return n.Line
	}
	return 0
}

func (v *validator) checkCall(s *Scenario) {
	for _, k := range []struct{ key, val string }{{"call.from", s.Call.From}, {"call.to", s.Call.To}} {
		if k.val == "" {
			v.bad(k.key, "is required, e.g. sip:2000@acano.steven.lab")
			continue
		}
		if _, err := edge.ParseSIPURI(k.val); err != nil {
			v.bad(k.key, "%v", err)
		}
	}
	if t := s.Call.Timeout; t < 0 || t > maxCallTimeout {
		v.bad("call.timeout", "%s is not between 0 and %s", t, maxCallTimeout)
	}
}

func (v *validator) checkEdge(s *Scenario) {
	cfg := config.Default()
	cfg.Edge = s.Edge
	err := cfg.Validate()
	if err == nil {
		return
	}
	var fe *config.FieldError
	for _, e := range unjoin(err) {
		if errors.As(e, &fe) {
			v.bad(fe.Key, "%s", fe.Msg)
		} else {
			v.bad("edge", "%v", e)
		}
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func (v *validator) checkExpect(s *Scenario, hasStatus bool) {
	if v.node("expect") == nil {
		v.bad("expect", "is required: {status: …, diagnostic: …, result_code: …}")
		return
	}
	e := s.Expect
	switch {
	case !hasStatus:
		v.bad("expect.status", "is required: the final SIP status (0: no SIP answer at all)")
	case e.Status != 0 && (e.Status < 100 || e.Status > 699):
		v.bad("expect.status", "%d is not a SIP status", e.Status)
	}
	if codes := policy.Codes(); e.Diagnostic != 0 && !containsInt(codes, e.Diagnostic) {
		v.bad("expect.diagnostic", "%d is not in the Edge's catalogue (%s)", e.Diagnostic, joinInts(codes))
	}
	if e.ResultCode != "" {
		if !resultCodeRE.MatchString(e.ResultCode) {
			v.bad("expect.result_code", "%q is not a result code like \"0xc3e93d6f\" (0x and 8 lower-case hex digits, quoted)", e.ResultCode)
		} else if _, ok := policy.ResultByHex(e.ResultCode); !ok {
			v.bad("expect.result_code", "%s is not a result code the Edge writes", e.ResultCode)
		}
	}
	if len(e.DiagnosticContains) > 0 && e.Diagnostic == 0 {
		v.bad("expect.diagnostic_contains", "needs expect.diagnostic: there is no ms-diagnostics to look into")
	}
	if e.ReachesPeer != nil && s.Direction == Inbound {
		v.bad("expect.reaches_peer", "only applies to outbound scenarios")
	}
	if len(e.PeerErrorContains) > 0 && s.Direction != Inbound {
		v.bad("expect.peer_error_contains", "only applies to inbound scenarios")
	}
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

func joinInts(list []int) string {
	s := make([]string, len(list))
	for i, n := range list {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
