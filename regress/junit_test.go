package regress

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/record"
)

// junitDoc is the JUnit file as a CI reads it, through its own struct rather than the junit package's.
type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Suite    struct {
		Cases []junitCase `xml:"testcase"`
	} `xml:"testsuite"`
}

type junitCase struct {
	Name       string `xml:"name,attr"`
	Properties []struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	} `xml:"properties>property"`
	Failure *struct {
		Message string `xml:"message,attr"`
	} `xml:"failure"`
	SystemOut string `xml:"system-out"`
}

func (c junitCase) property(name string) string {
	for _, p := range c.Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// attachments are the files a case's system-out attaches the Jenkins way, each on its own line.
func (c junitCase) attachments() []string {
	var files []string
	for _, line := range strings.Split(c.SystemOut, "\n") {
		if f, ok := strings.CutPrefix(line, "[[ATTACHMENT|"); ok && strings.HasSuffix(f, "]]") {
			files = append(files, strings.TrimSuffix(f, "]]"))
		}
	}
	return files
}

func readJUnit(t *testing.T, file string) junitDoc {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("junit %s: %v", file, err)
	}
	return doc
}

// checkAttachments: every attached file exists beside the JUnit file, a ladder is an SVG and a
// capture a pcapng.
func checkAttachments(t *testing.T, junitFile string, c junitCase) {
	t.Helper()
	files := c.attachments()
	if len(files) == 0 {
		t.Errorf("%s: nothing attached:\n%s", c.Name, c.SystemOut)
	}
	dir, _ := filepath.Abs(AttachmentDir(junitFile))
	for _, f := range files {
		data, err := os.ReadFile(f)
		switch {
		case err != nil:
			t.Errorf("%s: attachment: %v", c.Name, err)
		case !strings.HasPrefix(f, filepath.Join(dir, c.Name)+string(filepath.Separator)):
			t.Errorf("%s: attachment %s is not in %s", c.Name, f, dir)
		case strings.HasSuffix(f, ".svg") && !strings.HasPrefix(string(data), "<svg "):
			t.Errorf("%s: %s is not an SVG", c.Name, f)
		case strings.HasSuffix(f, ".pcapng") && !strings.HasPrefix(string(data), "\x0a\x0d\x0d\x0a"):
			t.Errorf("%s: %s is not a pcapng", c.Name, f)
		case strings.HasSuffix(f, ".pcapng") && !strings.Contains(string(data), "SIP/2.0"):
			t.Errorf("%s: %s holds no SIP message", c.Name, f) // the attempt's messages are its packets
		}
	}
}

func TestJUnitAttachesEachAttemptsLadderAndCapture(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	conn := "127.0.0.1:5061 → 127.0.0.1:40000"
	a := record.Attempt{ID: "a1", Direction: record.Inbound, Start: t0, End: t0.Add(time.Millisecond), Outcome: record.OutcomeRefused,
		Messages: []record.Message{{Time: t0, Conn: conn, StartLine: "INVITE sip:x@skype.lab SIP/2.0", Raw: "INVITE sip:x@skype.lab SIP/2.0\r\n\r\n"}},
		TLS: []record.TLS{{Conn: conn, Version: "TLS 1.3", Cipher: "TLS_AES_128_GCM_SHA256", Chain: []record.Cert{
			{Subject: "CN=vcse.acano.steven.lab", SANs: []string{"vcse.acano.steven.lab", "vcse.steven.lab"}, EKUs: "serverAuth, clientAuth", Signature: "SHA256-RSA"},
			{Subject: "CN=edgesim lab CA"}}}}}
	status, diag, rc := 504, 1010, "0xc3e93d67"
	rep := &Report{Started: t0, Results: []Result{
		{Name: "seen", Direction: Inbound, Method: "INVITE", Expect: Expect{Status: &status, Diagnostic: &diag, ResultCode: &rc},
			Got: Observed{Status: 504, Diagnostic: 1010, ResultCode: rc, EdgeSaw: true, Verdict: "refused"}, Pass: true, Edge: []record.Attempt{a}},
		{Name: "unseen", Direction: Inbound, Method: "OPTIONS", Expect: Expect{Status: &status}, Mismatches: []string{"status: expected 504, got 200"}},
	}}
	file := filepath.Join(t.TempDir(), "regress.xml")
	if err := rep.WriteJUnit(file); err != nil {
		t.Fatal(err)
	}
	doc := readJUnit(t, file)
	if doc.Tests != 2 || doc.Failures != 1 || len(doc.Suite.Cases) != 2 {
		t.Fatalf("tests=%d failures=%d", doc.Tests, doc.Failures)
	}
	seen, unseen := doc.Suite.Cases[0], doc.Suite.Cases[1]
	checkAttachments(t, file, seen)
	if n := len(seen.attachments()); n != 2 {
		t.Errorf("one attempt: want its ladder and its capture, got %d files", n)
	}
	for name, want := range map[string]string{"direction": "inbound", "expected.status": "504", "observed.ms-diagnostics": "1010",
		"observed.result-code": rc, "tls.version": "TLS 1.3", "tls.cipher": "TLS_AES_128_GCM_SHA256", "tls.chain.depth": "2",
		"tls.chain.0.sans": "vcse.acano.steven.lab,vcse.steven.lab", "tls.chain.0.ekus": "serverAuth, clientAuth", "tls.chain.0.signature": "SHA256-RSA"} {
		if got := seen.property(name); got != want {
			t.Errorf("property %s = %q, want %q", name, got, want)
		}
	}
	if len(unseen.attachments()) != 0 || !strings.Contains(unseen.SystemOut, "nothing attached") || unseen.Failure == nil {
		t.Errorf("a case the Edge never saw attaches nothing and says so, and fails:\n%s", unseen.SystemOut)
	}
}
