package edge

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
)

// openssl s_client presenting a serverAuth-only certificate, as a renewed Expressway-E would: the
// Edge ends the handshake with bad_certificate(42) and writes row 1010-wrong-usage's record, without
// SIP lines (docs/edge-behaviour.md §7). TLS 1.2, so that the alert ends s_client's handshake itself.
func TestOpenSSLClientWithoutClientAuthIsRefused(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed (CI installs it): cannot show a foreign TLS client refused for its EKU")
	}
	e := startEdge(t)
	ca, _, err := certs.EnsureCA(e.lab.Config.Lab.Dir, certs.IssuerLab, certs.CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue(certs.LeafRequest{CommonName: "vcse.acano.steven.lab", EKU: certs.EKUServer})
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, err := leaf.WriteFiles(filepath.Join(t.TempDir(), "vcse"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, openssl, "s_client", "-connect", e.addr, "-servername", "sip.skype.lab", "-tls1_2",
		"-cert", certFile, "-key", keyFile, "-CAfile", ca.CertFile)
	cmd.Stdin = strings.NewReader("") // nothing to send: the handshake is the test
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Errorf("openssl s_client succeeded; want the handshake refused")
	}
	if !strings.Contains(string(out), "alert bad certificate") || !strings.Contains(string(out), "alert number 42") {
		t.Errorf("openssl did not report alert 42 (bad certificate):\n%s", out)
	}
	log := e.edgeLog.String()
	for _, want := range []string{
		"Result-Code: 0xc3e93d6b SIPPROXY_E_ROUTING_MSG_CERT_WRONG_USAGE\r\n",
		"Peer: vcse.acano.steven.lab:",
		`Data: certName="vcse.acano.steven.lab";required-usage="clientAuth";info="The certificate is not valid for the requested usage"` + "\r\n",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("Edge log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "SIP-Start-Line") {
		t.Errorf("a handshake refusal saw no SIP message, yet the record has SIP lines:\n%s", log)
	}
}

// openssl s_server with a certificate lacking serverAuth: the outbound Edge refuses it with row
// 1010-wrong-usage. One with serverAuth alone passes, and the preflight warns that the same
// certificate cannot call the Edge.
func TestCheckAgainstOpenSSLUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		eku  certs.EKU
		pass bool
		want string // in the diagnostic, or in a warning when it passes
	}{
		{"clientAuth only", certs.EKUClient, false, `HRESULT="0x800B0110(CERT_E_WRONG_USAGE)"`},
		{"serverAuth only", certs.EKUServer, true, "lacks clientAuth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newOutLab(t)
			port, output := opensslServerWith(t, l.dir, certs.LeafRequest{CommonName: "vcse.cms.steven.lab", EKU: tc.eku})
			o := l.open(cmsZone("vcse.cms.steven.lab", port))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rep := o.Check(ctx, "cms.steven.lab", time.Now(), nil)
			got := rep.Diagnostic + strings.Join(rep.Warnings, "\n")
			if rep.Pass != tc.pass || !strings.Contains(got, tc.want) {
				t.Fatalf("pass %v, want %v with %q; got %s\nrules %+v\nopenssl:\n%s", rep.Pass, tc.pass, tc.want, got, rep.Rules, output())
			}
		})
	}
}
