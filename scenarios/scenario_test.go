package scenarios

import (
	"errors"
	"strings"
	"testing"

	"github.com/edgesim/edgesim/config"
)

// good is a valid file; the broken ones below are edits of it, so line numbers are easy to read.
const good = `name: t-inbound
title: A title
direction: inbound
story: |
  What is wrong, what the Expressway-E shows, what the Skype side shows, the fix.
zones:
  acano.steven.lab: |
    _sipfederationtls._tcp  300 IN SRV 0 0 5061 vcse.acano.steven.lab.
    vcse                    300 IN A   127.0.0.1
peer:
  fqdn: vcse.acano.steven.lab
  cert: {cn: vcse.acano.steven.lab, sans: [vcse.acano.steven.lab], issuer: lab}
call: {from: "sip:2000@acano.steven.lab", to: "sip:stejanss@skype.lab"}
edge:
  trust: {profile: office365}
expect:
  status: 504
  diagnostic: 1010
  result_code: "0xc3e93d68"
`

func TestParseGood(t *testing.T) {
	s, err := Parse("t.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "t-inbound" || s.Direction != Inbound || s.Peer.Behaviour != BehaviourAnswer || s.Peer.Cert.CN != "vcse.acano.steven.lab" {
		t.Errorf("parsed %+v", s)
	}
	if s.Expect.Status != 504 || s.Expect.Diagnostic != 1010 || s.Expect.ResultCode != "0xc3e93d68" {
		t.Errorf("expect %+v", s.Expect)
	}
	// The override lands on top of the defaults: the profile changes, nothing else does.
	def := config.Default().Edge
	if s.Edge.Trust.Profile != config.ProfileOffice365 || s.Edge.FQDN != def.FQDN || !s.Edge.Federation.PartnerDiscovery ||
		s.Edge.Diagnostics != config.DiagnosticsAnnotated {
		t.Errorf("edge %+v", s.Edge)
	}
	if s.EdgeOverrides != "trust: {profile: office365}" {
		t.Errorf("overrides text %q", s.EdgeOverrides)
	}

	// Config layers the same overrides on another base, keeps the seed's other zones and trusts the public CA.
	base := config.Default()
	base.Lab.Dir = "/lab"
	base.Edge.FQDN = "edge.example.com"
	cfg, err := s.Config(base)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Edge.FQDN != "edge.example.com" || cfg.Edge.Trust.Profile != config.ProfileOffice365 {
		t.Errorf("config edge %+v", cfg.Edge)
	}
	if !strings.Contains(cfg.DNS.Zones["acano.steven.lab"], "SRV 0 0 5061 vcse.acano.steven.lab.") || cfg.DNS.Zones["skype.lab"] == "" {
		t.Errorf("zones %v", cfg.DNS.Zones)
	}
	if strings.Join(cfg.Edge.Trust.PublicCAFiles, ",") != "/lab/public-ca.pem" || len(cfg.Edge.Trust.CAFiles) != 0 {
		t.Errorf("trust %+v", cfg.Edge.Trust)
	}
	if len(base.Edge.Trust.CAFiles) != 0 || base.Edge.Trust.Profile != config.ProfileOnPrem {
		t.Errorf("Config changed its base: %+v", base.Edge.Trust)
	}
}

func TestParseErrorsNameFileLineAndKey(t *testing.T) {
	tests := []struct {
		name     string
		from, to string // replace from with to in good
		want     []string
	}{
		{"unknown key", "  fqdn: vcse.acano.steven.lab\n", "  fqdn: vcse.acano.steven.lab\n  colour: blue\n",
			[]string{`t.yaml:12: key peer.colour: unknown key "colour"`}},
		{"unknown top-level key", "edge:\n", "edg: {}\nedge:\n", []string{`t.yaml:14: key edg: unknown key "edg"`}},
		{"unknown key inside the edge override", "trust: {profile: office365}", "trust: {profil: office365}",
			[]string{`t.yaml:15: key edge.trust.profil: unknown key "profil"`}},
		{"wrong type", "status: 504", "status: lots", []string{"t.yaml:17: key expect.status:", "lots"}},
		{"wrong type in the edge override", "trust: {profile: office365}", "max_message_bytes: [1]",
			[]string{"t.yaml:15: key edge.max_message_bytes:"}},
		{"missing direction", "direction: inbound\n", "", []string{"t.yaml: key direction: is required"}},
		{"bad direction", "direction: inbound", "direction: sideways", []string{`t.yaml:3: key direction: "sideways" is not inbound or outbound`}},
		{"bad issuer", "issuer: lab}", "issuer: acme}", []string{`t.yaml:12: key peer.cert.issuer: "acme" is not lab, untrusted or public`}},
		{"missing expect", "expect:\n  status: 504\n  diagnostic: 1010\n  result_code: \"0xc3e93d68\"\n", "", []string{"t.yaml: key expect: is required"}},
		{"missing status", "  status: 504\n", "", []string{"key expect.status: is required"}},
		{"diagnostic not in the catalogue", "diagnostic: 1010", "diagnostic: 1234", []string{"t.yaml:18: key expect.diagnostic: 1234 is not in the Edge's catalogue"}},
		{"result code without 0x", `result_code: "0xc3e93d68"`, "result_code: c3e93d68",
			[]string{`t.yaml:19: key expect.result_code: "c3e93d68" is not a result code`}},
		{"result code unknown", `"0xc3e93d68"`, `"0xc3e93d99"`, []string{"t.yaml:19: key expect.result_code: 0xc3e93d99 is not a result code the Edge writes"}},
		{"invalid edge value", "trust: {profile: office365}", "diagnostics: chatty",
			[]string{`t.yaml:15: key edge.diagnostics: "chatty" is not one of annotated, faithful`}},
		{"runner-owned edge key", "trust: {profile: office365}", "listen: 0.0.0.0:5061", []string{"t.yaml:15: key edge.listen: is set by the runner"}},
		{"edge not a mapping", "edge:\n  trust: {profile: office365}\n", "edge: office365\n", []string{"t.yaml:14: key edge: cannot unmarshal"}},
		{"zone syntax error", "vcse                    300 IN A   127.0.0.1", "vcse                    300 IN A   not-an-ip",
			[]string{`t.yaml:9: key zones.acano.steven.lab: "vcse                    300 IN A   not-an-ip"`, "not-an-ip"}},
		{"one-line zone", "  acano.steven.lab: |\n    _sipfederationtls._tcp  300 IN SRV 0 0 5061 vcse.acano.steven.lab.\n    vcse                    300 IN A   127.0.0.1\n",
			"  acano.steven.lab: zone.txt\n", []string{"t.yaml:7: key zones.acano.steven.lab: give the zone's records as a block"}},
		{"behaviour of the other direction", "  fqdn: vcse.acano.steven.lab\n", "  fqdn: vcse.acano.steven.lab\n  behaviour: tls-reset\n",
			[]string{`t.yaml:12: key peer.behaviour: "tls-reset" is not a behaviour of an inbound scenario (answer, no-client-cert)`}},
		{"certificate never presented", "  fqdn: vcse.acano.steven.lab\n", "  fqdn: vcse.acano.steven.lab\n  behaviour: no-client-cert\n",
			[]string{"key peer.cert: is never presented with behaviour no-client-cert"}},
		{"fail settings without fail", "  fqdn: vcse.acano.steven.lab\n", "  fqdn: vcse.acano.steven.lab\n  fail_status: 486\n",
			[]string{"t.yaml:12: key peer.fail_status: only applies with behaviour: fail"}},
		{"no_san with sans", "sans: [vcse.acano.steven.lab]", "sans: [x.lab], no_san: true", []string{"key peer.cert.no_san: no_san and sans exclude each other"}},
		{"missing certificate", "  cert: {cn: vcse.acano.steven.lab, sans: [vcse.acano.steven.lab], issuer: lab}\n", "",
			[]string{"key peer.cert: is required"}},
		{"call URI", `"sip:2000@acano.steven.lab"`, `"2000@acano.steven.lab"`, []string{"t.yaml:13: key call.from:", "not a SIP URI"}},
		{"call timeout", `to: "sip:stejanss@skype.lab"}`, `to: "sip:stejanss@skype.lab", timeout: 1h}`, []string{"key call.timeout: 1h0m0s is not between"}},
		{"reaches_peer inbound", "  status: 504\n", "  status: 504\n  reaches_peer: true\n", []string{"key expect.reaches_peer: only applies to outbound"}},
		{"bad name", "name: t-inbound", "name: T Inbound", []string{`t.yaml:1: key name: "T Inbound": use lower-case`}},
		{"not YAML", "title: A title\n", "title: [A title\n", []string{"t.yaml:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.from) {
				t.Fatalf("test edits %q, which good does not hold", tc.from)
			}
			doc := strings.Replace(good, tc.from, tc.to, 1)
			_, err := Parse("t.yaml", []byte(doc))
			if err == nil {
				t.Fatalf("no error for:\n%s", doc)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestParseReportsEveryFault(t *testing.T) {
	doc := strings.NewReplacer("direction: inbound", "direction: up", "issuer: lab}", "issuer: acme}", "diagnostic: 1010", "diagnostic: 9").Replace(good)
	_, err := Parse("t.yaml", []byte(doc))
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("%T %v", err, err)
	}
	for _, key := range []string{"key direction:", "key peer.cert.issuer:", "key expect.diagnostic:"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("%s not reported:\n%v", key, err)
		}
	}
}

func TestParseOddDocuments(t *testing.T) {
	for _, doc := range []string{"", "---\n", "- a\n- b\n", "just text", "null", "{}"} {
		if _, err := Parse("odd.yaml", []byte(doc)); err == nil || !strings.HasPrefix(err.Error(), "odd.yaml") {
			t.Errorf("%q: %v", doc, err)
		}
	}
}
