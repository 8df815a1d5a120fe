package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/scenarios"
)

func libraryNames(t *testing.T) []string {
	t.Helper()
	list, err := scenarios.Library()
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(list))
	for i, s := range list {
		names[i] = s.Name
	}
	return names
}

// libraryFile copies a library scenario into dir, optionally edited, for --dir tests.
func libraryFile(t *testing.T, dir, name string, edit func(string) string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "scenarios", "library", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if edit != nil {
		text = edit(text)
	}
	writeFile(t, filepath.Join(dir, name+".yaml"), text)
}

func TestScenarioList(t *testing.T) {
	names := libraryNames(t)
	code, out, stderr := cli(t, t.TempDir(), "scenario", "list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, n := range names {
		if !strings.Contains(out, n+" ") {
			t.Errorf("list lacks %s", n)
		}
	}
	if !strings.Contains(out, "srv-points-to-other-domain-inbound           inbound    504 1009 0xc3e93d6f") {
		t.Errorf("expected result not shown:\n%s", out)
	}

	code, out, _ = cli(t, t.TempDir(), "scenario", "list", "--json")
	var list []scenarios.Scenario
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || len(list) != len(names) {
		t.Fatalf("--json: exit %d, %v, %d entries", code, err, len(list))
	}
	if list[2].Expect.Diagnostic != 1009 || list[2].Direction != scenarios.Inbound {
		t.Errorf("JSON entry %+v", list[2])
	}
}

func TestScenarioShow(t *testing.T) {
	code, out, stderr := cli(t, t.TempDir(), "scenario", "show", "srv-points-to-subdomain-outbound")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"Calling a CMS space in cms.steven.lab", // title
		"What is wrong:",                        // story
		"_sipfederationtls._tcp  300 IN SRV 0 0 5061 vcse.sub.cms.steven.lab.", // zone
		"CN=vcse.sub.cms.steven.lab",  // certificate
		"SIP/2.0 504 Server time-out", // expected status
		`ms-diagnostics: 1009;reason="No match for domain in DNS SRV results"`,
		"Result-Code: 0xc3e93d6f SIPPROXY_E_EPROUTING_MSG_ALLOWED_DOMAIN_NO_SRV_MATCH",
		"Expressway-E:   nothing arrives",
		"Captured from a run in a temporary lab just now",
		`fqdn1="vcse.sub.cms.steven.lab:5061";source="sip.skype.lab"`, // the captured wire text
		"targetname=\"SfBFE.skype.lab\"",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(out)
	}

	code, out, _ = cli(t, t.TempDir(), "scenario", "show", "office365-needs-public-ca-inbound", "--no-run")
	if code != 0 || strings.Contains(out, "Captured") || !strings.Contains(out, "trust: {profile: office365}") {
		t.Errorf("--no-run: exit %d\n%s", code, out)
	}
}

func TestScenarioRunAllWithJUnit(t *testing.T) {
	names := libraryNames(t)
	dir := t.TempDir()
	junit := filepath.Join(dir, "report.xml")
	start := time.Now()
	code, out, stderr := cli(t, dir, "scenario", "run", "--all", "--junit", junit)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	t.Logf("scenario run --all: %s", time.Since(start))
	if !strings.Contains(stderr, "running ") || !strings.Contains(out, "as expected, 0 not") {
		t.Errorf("no progress or summary:\n%s\n%s", stderr, out)
	}
	if n := strings.Count(out, "\nok  "); n != len(names) {
		t.Errorf("%d table lines marked ok, want %d", n, len(names))
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests  int `xml:"tests,attr"`
		Suites []struct {
			Cases []struct {
				Name      string    `xml:"name,attr"`
				Classname string    `xml:"classname,attr"`
				Failure   *struct{} `xml:"failure"`
				Out       string    `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("JUnit report is not XML: %v", err)
	}
	if doc.Tests != len(names) || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != len(names) {
		t.Fatalf("JUnit: %d tests, %d suites", doc.Tests, len(doc.Suites))
	}
	for i, c := range doc.Suites[0].Cases {
		if c.Name != names[i] || c.Failure != nil || !strings.HasPrefix(c.Classname, "edgesim.scenario.") {
			t.Errorf("testcase %d: %+v", i, c)
		}
		if c.Name == "srv-points-to-other-domain-inbound" && !strings.Contains(c.Out, `ms-diagnostics: 1009;reason="No match for domain in DNS SRV results"`) {
			t.Errorf("the testcase output lacks the diagnostic:\n%s", c.Out)
		}
	}
}

func TestScenarioRunReportsMismatches(t *testing.T) {
	dir := t.TempDir()
	// A scenario whose expectation is wrong on purpose: DNS says 1009, the file claims a clean call.
	libraryFile(t, dir, "srv-points-to-other-domain-inbound", func(s string) string {
		s = s[:strings.Index(s, "expect:")]
		return s + "expect:\n  status: 200\n"
	})
	libraryFile(t, dir, "happy-inbound", nil)
	junit := filepath.Join(dir, "report.xml")
	code, out, _ := cli(t, dir, "scenario", "run", "--all", "--dir", dir, "--junit", junit)
	if code != exitFailed {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{
		"FAIL srv-points-to-other-domain-inbound: The CMS domain",
		"status: expected 200 OK, got 504 Server time-out",
		"ms-diagnostics: expected none, got 1009;reason=",
		"Edge-log Result-Code: expected no record, got 0xc3e93d6f SIPPROXY_E_EPROUTING_MSG_ALLOWED_DOMAIN_NO_SRV_MATCH",
		"response as the Expressway-E received it:",
		"Result-Code: 0xc3e93d6f",
		"2 scenario(s) in ",
		"1 as expected, 1 not",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
	data, _ := os.ReadFile(junit)
	if !strings.Contains(string(data), `failures="1"`) || !strings.Contains(string(data), `<failure message="status: expected 200 OK`) {
		t.Errorf("JUnit report does not carry the failure:\n%s", data)
	}

	// A family name runs both twins, once each.
	code, out, _ = cli(t, t.TempDir(), "scenario", "run", "cert-wildcard", "cert-wildcard-outbound", "--json")
	var fam []scenarios.Result
	if err := json.Unmarshal([]byte(out), &fam); code != 0 || err != nil || len(fam) != 2 || fam[0].Name != "cert-wildcard-inbound" {
		t.Errorf("family: exit %d, %v, %d results", code, err, len(fam))
	}

	code, out, _ = cli(t, dir, "scenario", "run", "happy-inbound", "--dir", dir, "--json")
	var res []scenarios.Result
	if err := json.Unmarshal([]byte(out), &res); code != 0 || err != nil || len(res) != 1 || !res[0].Pass || res[0].Got.Status != 200 {
		t.Errorf("--json: exit %d, %v, %+v", code, err, res)
	}
}

func TestScenarioUsageErrors(t *testing.T) {
	broken := t.TempDir()
	libraryFile(t, broken, "happy-inbound", func(s string) string {
		return strings.Replace(s, "  fqdn: vcse.acano.steven.lab\n", "  fqdn: vcse.acano.steven.lab\n  colour: blue\n", 1)
	})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"scenario", "run"}, "name the scenarios to run, or use --all"},
		{[]string{"scenario", "run", "no-such-scenario"}, `no such scenario: "no-such-scenario"`},
		{[]string{"scenario", "run", "cert-wild"}, "did you mean cert-wildcard-inbound, cert-wildcard-outbound"},
		{[]string{"scenario", "run", "--all", "happy-inbound"}, "not both"},
		{[]string{"scenario", "run", "--all", "--parallel", "-1"}, "--parallel"},
		{[]string{"scenario", "show", "nope"}, "no such scenario"},
		{[]string{"scenario", "show"}, "accepts 1 arg"},
		{[]string{"scenario", "list", "extra"}, "unknown command"},
		{[]string{"scenario", "list", "--dir", broken}, `happy-inbound.yaml:25: key peer.colour: unknown key "colour"`},
		{[]string{"scenario", "list", "--dir", filepath.Join(broken, "missing")}, "missing: no such file or directory"},
		{[]string{"run", "--scenario", "nope"}, "no such scenario"},
		{[]string{"run", "--scenario", filepath.Join(broken, "happy-inbound.yaml")}, "key peer.colour"},
	} {
		code, _, stderr := cli(t, t.TempDir(), tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, want 2 with %q; stderr:\n%s", tc.args, code, tc.want, stderr)
		}
	}
}

// `edgesim run --scenario` serves the Edge the scenario's way and says what to set up on the Expressway-E.
func TestRunScenarioServesTheEdgeAndPrintsTheSetup(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("EDGESIM_EDGE_LISTEN", "127.0.0.1:0")
	t.Setenv("EDGESIM_DNS_LISTEN", "127.0.0.1:0")
	t.Setenv("EDGESIM_CONSOLE_LISTEN", "127.0.0.1:0") // 5080 may be taken by a run beside the tests
	// The family name, as the README writes it: run plays the inbound twin.
	out, _ := startRun(t, "run", "--scenario", "cert-untrusted-private-ca")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "The configuration served is in") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	text := out.String()
	lab := filepath.Join(dir, "edgesim-lab")
	scen := filepath.Join(lab, "scenarios", "cert-untrusted-private-ca-inbound")
	for _, want := range []string{
		"Scenario cert-untrusted-private-ca-inbound:",
		"cert-untrusted-private-ca names a fault in both directions; edgesim run plays the inbound one",
		"_sipfederationtls._tcp.skype.lab.  300 IN SRV 0 0 ",
		"_sipfederationtls._tcp.acano.steven.lab.  300  IN  SRV  0 0 5061 vcse.acano.steven.lab.",
		"trusted CA list:     " + filepath.Join(lab, "ca.pem"),
		"server certificate:  " + filepath.Join(scen, "expressway.pem"),
		"private key:         " + filepath.Join(scen, "expressway.key"),
		"it was issued by:    " + filepath.Join(lab, "untrusted-ca.pem"),
		"a private CA the Edge does not trust",
		"call sip:stejanss@skype.lab",
		"expected: 504 Server time-out, ms-diagnostics 1010, Edge log Result-Code 0xc3e93d68",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
	for _, f := range []string{filepath.Join(scen, "expressway.pem"), filepath.Join(scen, "expressway.key"), filepath.Join(scen, "edgesim.yaml"),
		filepath.Join(lab, "public-ca.pem")} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(scen, "expressway.key")); err == nil && fi.Mode().Perm() != 0o600 {
		t.Errorf("the key is %v, want 0600", fi.Mode().Perm())
	}
	// The configuration written is the one served, and loads as a configuration file.
	a := &app{ctx: context.Background(), configFile: filepath.Join(scen, "edgesim.yaml")}
	cfg, err := a.loadConfig()
	if err != nil {
		t.Fatalf("the written configuration does not load: %v", err)
	}
	if !strings.Contains(cfg.DNS.Zones["acano.steven.lab"], "vcse.acano.steven.lab.") || cfg.DNS.Zones["skype.lab"] == "" {
		t.Errorf("zones %v", cfg.DNS.Zones)
	}
}
