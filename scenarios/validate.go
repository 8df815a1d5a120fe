package scenarios

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/labdns"
)

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
