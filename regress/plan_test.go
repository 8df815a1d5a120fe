package regress

import (
	"strings"
	"testing"
)

const goodPlan = `expressway: {entry: "127.0.0.1:5060", transport: tcp}
uc:
  identities: ["sip:2000@acano.steven.lab"]
  answerer: {listen: "127.0.0.1:5070"}
cases:
  - name: srv-in
    direction: inbound
    scenario: srv-points-to-other-domain-inbound
`

func TestParseTakesTheScenariosExpectation(t *testing.T) {
	p, err := Parse("plan.yaml", []byte(goodPlan), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := p.Cases[0].Expect
	if *e.Status != 504 || *e.Diagnostic != 1009 || *e.ResultCode != "0xc3e93d6f" || p.Cases[0].Method != "INVITE" {
		t.Errorf("expect from the scenario: %+v", e)
	}
}

// Every fault is reported at once, each with the file, the line and the key.
func TestParseNamesFileLineKey(t *testing.T) {
	bad := `expressway: {entry: "127.0.0.1:5060", transport: sctp}
uc:
  identities: ["sip:2000@acano.steven.lab"]
  answerer: {listen: "127.0.0.1:5070"}
cases:
  - name: a
    direction: outbound
    method: OPTIONS
    edge: {listen: "0.0.0.0:5061"}
    expect: {status: 200, edge_saw: false}
  - name: b
    direction: inbound
    scenario: happy-outbound
`
	_, err := Parse("plan.yaml", []byte(bad), nil)
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{
		`plan.yaml:1: key expressway.transport: want udp, tcp or tls, got "sctp"`,
		`plan.yaml:8: key cases[0].method: outbound cases send one of INVITE, MESSAGE, SUBSCRIBE, got "OPTIONS"`,
		`plan.yaml:9: key cases[0].edge.listen: is the run's own configuration`,
		`plan.yaml:10: key cases[0].expect.edge_saw: only inbound cases`,
		`plan.yaml:13: key cases[1].scenario: happy-outbound is an outbound scenario`,
		`plan.yaml:11: key cases[1].expect.status: every case expects a final status`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	_, err = Parse("plan.yaml", []byte(strings.Replace(goodPlan, "direction:", "directon:", 1)), nil)
	if err == nil || !strings.Contains(err.Error(), `plan.yaml:7: key cases[0].directon: unknown key "directon"`) {
		t.Errorf("unknown key: %v", err)
	}
}

func TestDiffIgnoresTokensAndNamesFields(t *testing.T) {
	a := &Report{Results: []Result{{Name: "x", Token: "regress-x-1", Got: Observed{Status: 200, EdgeSaw: true, Verdict: "answered"}, Pass: true}}}
	b := &Report{Results: []Result{{Name: "x", Token: "regress-x-2", Got: Observed{Status: 200, EdgeSaw: true, Verdict: "answered"}, Pass: true},
		{Name: "y", Got: Observed{Status: 504}}}}
	ch := Diff(a, b)
	if len(ch) != 1 || ch[0].Case != "y" || !strings.HasPrefix(ch[0].Fields[0], "new case") {
		t.Errorf("diff: %+v", ch)
	}
}
