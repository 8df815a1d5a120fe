package edge

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
)

// A TLS client we did not write — openssl s_client with a client certificate — sends a hand-written
// INVITE and reads the Edge's 504 back.
func TestOpenSSLClientGetsTheRefusal(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed (CI installs it)")
	}
	e := startEdge(t, withZones(acanoToOtherDomain))
	ca, _, err := certs.EnsureCA(e.lab.Config.Lab.Dir, certs.IssuerLab, certs.CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue(certs.LeafRequest{CommonName: "vcse.steven.lab"})
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, err := leaf.WriteFiles(filepath.Join(t.TempDir(), "vcse"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, openssl, "s_client", "-connect", e.addr, "-servername", "sip.skype.lab",
		"-cert", certFile, "-key", keyFile, "-CAfile", ca.CertFile, "-verify_return_error", "-quiet")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	invite := strings.Join([]string{
		"INVITE sip:stejanss@skype.lab SIP/2.0",
		"Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bKopenssl1;rport",
		`From: "DX70 Steven" <sip:2000@acano.steven.lab>;tag=9fea3e7d70afd884`,
		"To: <sip:stejanss@skype.lab>",
		"Call-ID: f1b3ad5d-183b-4632-b210-c2f9bec71960",
		"CSeq: 2066245576 INVITE",
		"Max-Forwards: 70",
		"Contact: <sip:2000@vcse.steven.lab;transport=tls>",
		"Content-Length: 0", "", ""}, "\r\n")
	if _, err := stdin.Write([]byte(invite)); err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		l := strings.TrimSuffix(sc.Text(), "\r")
		if len(lines) == 0 && !strings.HasPrefix(l, "SIP/2.0 ") {
			continue // s_client may print verification lines first
		}
		if strings.HasPrefix(l, "SIP/2.0 1") {
			lines = nil // skip a provisional answer
			continue
		}
		lines = append(lines, l)
		if l == "" {
			break
		}
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{
		"SIP/2.0 504 Server time-out",
		"Call-ID: f1b3ad5d-183b-4632-b210-c2f9bec71960",
		`ms-diagnostics: 1009;reason="No match for domain in DNS SRV results";domain="acano.steven.lab";fqdn1="vcse.steven.lab:5061";source="sip.skype.lab"`,
		"Server: RTC/6.0",
		"Content-Length: 0",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("openssl read no %q; it read:\n%s\nstderr: %s", want, got, stderr.String())
		}
	}
	if !strings.Contains(e.edgeLog.String(), "Peer: vcse.steven.lab:") {
		t.Errorf("Edge log does not name the openssl peer by its certificate:\n%s", e.edgeLog.String())
	}
}
