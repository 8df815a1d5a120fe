package regress

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/edgesim/edgesim/junit"
	"github.com/edgesim/edgesim/record"
	"github.com/edgesim/edgesim/record/artifact"
)

// AttachmentDir is where WriteJUnit puts the cases' attachments: beside the JUnit file, named after
// it (regress.xml → regress-attachments/), one directory a case.
func AttachmentDir(junitFile string) string {
	return strings.TrimSuffix(junitFile, filepath.Ext(junitFile)) + "-attachments"
}

// WriteJUnit writes one testcase a case: properties a CI filters on (direction, both ends' outcome,
// the Edge's Result-Code, the TLS the Expressway negotiated and the chain it presented), the
// failure, and in system-out the evidence with each Edge attempt's ladder SVG and pcapng attached
// the Jenkins way, a line "[[ATTACHMENT|/absolute/path]]" each.
func (r *Report) WriteJUnit(file string) error {
	dir, err := filepath.Abs(AttachmentDir(file))
	if err != nil {
		return fmt.Errorf("junit attachments: %w", err)
	}
	var cases []junit.Case
	for _, c := range r.Results {
		files, err := writeAttachments(filepath.Join(dir, c.Name), c.Edge)
		if err != nil {
			return fmt.Errorf("junit attachments of %s: %w", c.Name, err)
		}
		jc := junit.Case{Name: c.Name, Classname: "edgesim.regress." + c.Direction, Time: c.Took,
			Out: caseText(c) + attachmentLines(files), Properties: properties(c)}
		if !c.Pass {
			jc.Failure = junit.Mismatches(c.Mismatches, c.Error != "")
		}
		cases = append(cases, jc)
	}
	return junit.Write(file, "edgesim regress", r.Started, r.Duration, cases)
}

// writeAttachments writes each attempt's ladder and capture into dir, returning their paths.
func writeAttachments(dir string, attempts []record.Attempt) ([]string, error) {
	if len(attempts) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	// The files hold whole SIP messages, so they are kept as private as the record's JSON lines.
	write := func(name string, data []byte) error {
		files = append(files, name)
		return os.WriteFile(name, data, 0o600)
	}
	for i, a := range attempts {
		base := filepath.Join(dir, "attempt-"+strconv.Itoa(i+1))
		if err := write(base+".svg", []byte(artifact.Ladder(a))); err != nil {
			return nil, err
		}
		// An attempt refused before any SIP was sent (the Edge's own outbound refusal, a failed
		// handshake) has nothing to capture: its ladder says so, and no empty capture stands beside it.
		if len(a.Messages) == 0 {
			continue
		}
		pcap, err := artifact.PCAPNG(a)
		if err != nil {
			return nil, err
		}
		if err := write(base+".pcapng", pcap); err != nil {
			return nil, err
		}
	}
	return files, nil
}

func attachmentLines(files []string) string {
	if len(files) == 0 {
		return "the Edge recorded no attempt for this case: nothing attached\n"
	}
	var b strings.Builder
	for _, f := range files {
		b.WriteString("[[ATTACHMENT|" + f + "]]\n")
	}
	return b.String()
}

// properties are a case's facts, one name each, so a CI can filter and chart on them.
func properties(c Result) [][2]string {
	e, g := c.Expect, c.Got
	p := [][2]string{{"direction", c.Direction}, {"method", c.Method}, {"token", c.Token}}
	if c.Scenario != "" {
		p = append(p, [2]string{"scenario", c.Scenario})
	}
	add := func(name, value string) { p = append(p, [2]string{name, value}) }
	if e.Status != nil {
		add("expected.status", strconv.Itoa(*e.Status))
	}
	if e.Diagnostic != nil {
		add("expected.ms-diagnostics", strconv.Itoa(*e.Diagnostic))
	}
	if e.ResultCode != nil {
		add("expected.result-code", *e.ResultCode)
	}
	add("observed.status", strconv.Itoa(g.Status))
	add("observed.ms-diagnostics", strconv.Itoa(g.Diagnostic))
	add("observed.result-code", g.ResultCode)
	add("observed.edge-verdict", g.Verdict)
	add("observed.edge-saw", strconv.FormatBool(g.EdgeSaw))
	if c.Direction == Outbound {
		add("observed.reached-uc", strconv.FormatBool(g.ReachedUC))
	}
	add("expected", expectShort(e))
	add("got", gotShort(g))
	add("edge", edgeShort(g))
	return append(p, tlsProperties(c.Edge)...)
}

// tlsProperties are the Edge's first handshake with the Expressway in the case, and the chain the
// Expressway presented in it, leaf first.
func tlsProperties(attempts []record.Attempt) [][2]string {
	var t *record.TLS
	for i := range attempts {
		if len(attempts[i].TLS) > 0 {
			t = &attempts[i].TLS[0]
			break
		}
	}
	if t == nil {
		return nil
	}
	p := [][2]string{{"tls.version", t.Version}, {"tls.cipher", t.Cipher}, {"tls.chain.depth", strconv.Itoa(len(t.Chain))}}
	for i, c := range t.Chain {
		k := "tls.chain." + strconv.Itoa(i) + "."
		p = append(p, [2]string{k + "subject", c.Subject}, [2]string{k + "issuer", c.Issuer},
			[2]string{k + "sans", strings.Join(c.SANs, ",")}, [2]string{k + "ekus", c.EKUs}, [2]string{k + "signature", c.Signature})
	}
	if t.Alert != "" {
		p = append(p, [2]string{"tls.alert", t.Alert})
	}
	return p
}
