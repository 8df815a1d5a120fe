package regress

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// The plan of the Kamailio test: a good call both ways, a 1009 and a 1010 taken from the library's
// scenarios (their zones and trust profile change the Edge's side only), and an OPTIONS.
const kamailioPlan = `expressway:
  entry: 127.0.0.1:%[1]d
  transport: tcp
  federation: 127.0.0.1:%[2]d
uc:
  identities: ["sip:2000@acano.steven.lab"]
  answerer: {listen: "127.0.0.1:%[3]d", transport: tcp}
cases:
  - name: call-in
    direction: inbound
    expect: {status: 200, verdict: answered, result_code: "", edge_saw: true}
  - name: call-out
    direction: outbound
    expect: {status: 200, verdict: answered, reaches_uc: true}
  - name: srv-other-domain-in
    direction: inbound
    scenario: srv-points-to-other-domain-inbound
    expect: {status: 504, diagnostic: 1009, verdict: refused, result_code: "0xc3e93d6f"}
  - name: office365-trust-in
    direction: inbound
    scenario: office365-needs-public-ca-inbound
  - name: options-in
    direction: inbound
    method: OPTIONS
    expect: {status: 200}
`

// TestKamailioExpressway plays a plan through Kamailio, Debian's SIP proxy, in the Expressway-E's
// seat: it routes UC-side requests by the federation domain's SRV record over mutual TLS to the
// Edge and the Edge's calls to the UC answerer. Then it "upgrades" Kamailio (it now answers OPTIONS
// itself) and checks that the baseline diff names exactly that case.
func TestKamailioExpressway(t *testing.T) {
	if !inNetns(t) {
		return
	}
	l := newKamLab(t)
	l.startKamailio(t, false)
	planFile := filepath.Join(l.dir, "plan.yaml")
	write(t, planFile, fmt.Sprintf(kamailioPlan, l.ucPort, l.tlsPort, l.answerPort))
	data, _ := os.ReadFile(planFile)
	plan, err := Parse(planFile, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := l.run(t, plan, "before")
	for _, r := range before.Results {
		if !r.Pass {
			t.Errorf("%s: %s (notes: %s)", r.Name, strings.Join(r.Mismatches, "; "), strings.Join(r.Notes, "; "))
		}
	}
	checkEnds(t, before)
	checkJUnit(t, before, filepath.Join(l.dir, "before.xml"))
	baseFile := filepath.Join(l.dir, "before.json")
	if err := before.WriteJSON(baseFile); err != nil {
		t.Fatal(err)
	}

	l.stopKamailio()
	l.startKamailio(t, true)
	after := l.run(t, plan, "after")
	base, err := ReadReport(baseFile)
	if err != nil {
		t.Fatal(err)
	}
	changes := Diff(base, after)
	var out bytes.Buffer
	if err := WriteDiff(&out, baseFile, changes); err != nil {
		t.Fatal(err)
	}
	t.Logf("baseline diff:\n%s", out.String())
	if len(changes) != 1 || changes[0].Case != "options-in" {
		t.Fatalf("want exactly options-in changed, got %+v", changes)
	}
	if !strings.Contains(out.String(), "options-in: edge saw it: true → false") {
		t.Errorf("the diff does not say the Edge no longer saw the OPTIONS:\n%s", out.String())
	}
}

func (l *kamLab) run(t *testing.T, plan *Plan, label string) *Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	log := zerolog.Nop()
	if os.Getenv("REGRESS_DEBUG") != "" {
		log = zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr}).Level(zerolog.DebugLevel)
	}
	rep, err := Run(ctx, plan, Options{Config: l.cfg, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s:\n%s", label, table.String())
	return rep
}

// checkEnds looks at both ends of each case, beyond what the expectations say.
func checkEnds(t *testing.T, rep *Report) {
	t.Helper()
	byName := map[string]Result{}
	for _, r := range rep.Results {
		byName[r.Name] = r
	}
	in := byName["call-in"]
	if in.Caller == nil || !in.Caller.Answered || headerOf(in.Caller.Wire, "Record-Route") == "" {
		t.Errorf("call-in: the UC caller should get a record-routed 200 through the proxy: %+v", in.Caller)
	}
	if len(in.Edge) == 0 || !strings.Contains(in.Edge[0].Messages[0].Raw, "Record-Route") {
		t.Errorf("call-in: the Edge's record should hold the proxied INVITE")
	}
	out := byName["call-out"]
	if len(out.UCSaw) == 0 || out.UCSaw[0].Method != "INVITE" || !strings.Contains(out.UCSaw[0].Raw, "Record-Route") {
		t.Errorf("call-out: the UC answerer should get the Edge's INVITE through the proxy: %+v", out.UCSaw)
	}
	srv := byName["srv-other-domain-in"]
	if len(srv.Edge) == 0 || !strings.Contains(srv.Edge[0].EdgeLog, `fqdn1="vcse.steven.lab:`) {
		t.Errorf("srv-other-domain-in: the Edge log should name the other domain's target: %+v", srv.Edge)
	}
	if tr := byName["office365-trust-in"]; tr.Got.Diagnostic != 1010 || len(tr.Got.PeerChain) == 0 {
		t.Errorf("office365-trust-in: want 1010 and the proxy's chain in the record, got %+v", tr.Got)
	}
	if o := byName["options-in"]; o.Got.Verdict != "allowed" {
		t.Errorf("options-in: the Edge should have allowed the OPTIONS, got %q", o.Got.Verdict)
	}
}

func checkJUnit(t *testing.T, rep *Report, file string) {
	t.Helper()
	if err := rep.WriteJUnit(file); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct { // read as a CI system would, not through our own types
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suite    struct {
			Cases []struct {
				Name      string `xml:"name,attr"`
				SystemOut string `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("junit: %v", err)
	}
	if doc.Tests != len(rep.Results) || doc.Failures != 0 || len(doc.Suite.Cases) != len(rep.Results) {
		t.Errorf("junit: tests=%d failures=%d cases=%d", doc.Tests, doc.Failures, len(doc.Suite.Cases))
	}
	if c := doc.Suite.Cases[2]; !strings.Contains(c.SystemOut, "0xc3e93d6f") {
		t.Errorf("junit: %s's output lacks the Edge-log record:\n%s", c.Name, c.SystemOut)
	}
}
