package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/scenarios/standin"
)

const seedLine1010 = `ms-diagnostics: 1010;reason="Certificate trust with another server could not be established";ErrorType="The peer certificate does not contain a matching FQDN";tls-target="vcse.cms.steven.lab";PeerServer="vcse.steven.lab";HRESULT="0x80090322(SEC_E_WRONG_PRINCIPAL)";source="sip.skype.lab"`

// callProcess runs edgesim in dir as a child process (this test binary re-entered through
// TestHelperEdgesimProcess). A call runs sipgo, whose logger is process-wide: in-process, the next
// command's logger setup would race the previous call's last sipgo goroutines.
func callProcess(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	argv, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperEdgesimProcess$")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "EDGESIMTEST_HELPER_ARGS="+string(argv))
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String(), errb.String()
	case err != nil:
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// TestHelperEdgesimProcess is the child side of callProcess, not a test of its own.
func TestHelperEdgesimProcess(t *testing.T) {
	argv := os.Getenv("EDGESIMTEST_HELPER_ARGS")
	if argv == "" {
		t.Skip("runs only as callProcess's child")
	}
	var args []string
	if err := json.Unmarshal([]byte(argv), &args); err != nil {
		t.Fatal(err)
	}
	os.Exit(Main(args, os.Stdout, os.Stderr))
}

// outboundDir is a working directory with edgesim.yaml whose cms.steven.lab SRV record points at an
// Expressway-E stand-in presenting a certificate named cn from the lab CA.
func outboundDir(t *testing.T, cn string, b standin.Behaviour) (string, *standin.Server) {
	t.Helper()
	dir := t.TempDir()
	ca, _, err := certs.EnsureCA(filepath.Join(dir, "lab"), certs.IssuerLab, certs.CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue(certs.LeafRequest{CommonName: cn})
	if err != nil {
		t.Fatal(err)
	}
	peer, err := standin.Start(standin.ServerConfig{Certificate: leaf.TLSCertificate(), RequireClientCert: true, Behaviour: b, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = peer.Close() })
	// The call listens on edge.listen for its length: port 0, so parallel runs never meet on 5061.
	writeFile(t, filepath.Join(dir, "edgesim.yaml"), "lab:\n  dir: lab\nedge:\n  listen: 127.0.0.1:0\ndns:\n  listen: \"\"\n  zones:\n    cms.steven.lab: |\n"+
		"      _sipfederationtls._tcp IN SRV 0 0 "+strconv.Itoa(int(peer.Addr().Port()))+" vcse.cms.steven.lab.\n"+
		"      vcse IN A 127.0.0.1\n")
	return dir, peer
}

func TestCallAnsweredExits0(t *testing.T) {
	dir, peer := outboundDir(t, "vcse.cms.steven.lab", standin.Answer)
	code, out, errb := callProcess(t, dir, "call", "sip:2000@cms.steven.lab", "--duration", "50ms")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errb)
	}
	for _, want := range []string{"srv          ok", "_sipfederationtls._tcp.cms.steven.lab SRV 0 0", "tls          ok   TLS 1.2",
		`CN="vcse.cms.steven.lab"`, "certificate  ok", "INVITE sip:2000@cms.steven.lab SIP/2.0", "SIP/2.0 200 OK",
		"Result: answered 200 OK", "As the Skype client sees it:\nSIP/2.0 200 OK\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, ok := peer.WaitRequest("BYE", 0); !ok {
		t.Errorf("peer got %v", peer.Requests())
	}
	if from, _ := peer.Requests()[0].Message.Header("From"); !strings.Contains(from, "sip:stejanss@skype.lab") {
		t.Errorf("default --from: %q", from)
	}
}

// The seed's 1010 from the command line: exit 1, the line on screen, the record in the lab's Edge log.
func TestCallRefusedExits1(t *testing.T) {
	dir, peer := outboundDir(t, "vcse.steven.lab", standin.Answer)
	code, out, _ := callProcess(t, dir, "call", "sip:2000@cms.steven.lab", "--from", "sip:alice@skype.lab")
	if code != exitFailed {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "\n"+seedLine1010+"\n") || !strings.Contains(out, "the INVITE was never sent") {
		t.Errorf("output:\n%s", out)
	}
	log, err := os.ReadFile(filepath.Join(dir, "lab", "edge.log"))
	if err != nil || !strings.Contains(string(log), "Result-Code: 0xc3e93d67 SIPPROXY_E_ROUTING_MSG_CERT_MISMATCH\r\n") {
		t.Errorf("edge.log (%v):\n%s", err, log)
	}
	if n := len(peer.Requests()); n != 0 {
		t.Errorf("the peer got %d requests", n)
	}
}

func TestCallJSON(t *testing.T) {
	dir, _ := outboundDir(t, "vcse.cms.steven.lab", standin.Reject)
	code, out, _ := callProcess(t, dir, "call", "sip:2000@cms.steven.lab", "--json")
	var res struct {
		Status     int    `json:"status"`
		Diagnostic string `json:"ms_diagnostics"`
		InviteSent bool   `json:"invite_sent"`
		SkypeView  string `json:"skype_view"`
		Steps      []struct{ Kind string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if code != exitFailed || res.Status != 486 || !strings.HasPrefix(res.Diagnostic, "1034;") || !res.InviteSent ||
		!strings.HasPrefix(res.SkypeView, "SIP/2.0 486 Busy Here\r\n") || len(res.Steps) == 0 {
		t.Errorf("exit %d result %+v", code, res)
	}
}

func TestCallUsageErrors(t *testing.T) {
	dir, _ := outboundDir(t, "vcse.cms.steven.lab", standin.Answer)
	for _, argv := range [][]string{
		{"call"},
		{"call", "2000@cms.steven.lab"},
		{"call", "sip:2000@cms.steven.lab:5061"},
		{"call", "sip:2000@cms.steven.lab", "--from", "alice"},
		{"call", "sip:2000@cms.steven.lab", "--timeout", "0s"},
		{"call", "sip:2000@cms.steven.lab", "--duration", "soon"},
		{"check"},
		{"check", "cms steven lab"},
		{"check", "cms.steven.lab", "--timeout", "-1s"},
	} {
		run := cli
		if argv[0] == "call" {
			run = callProcess
		}
		if code, _, errb := run(t, dir, argv...); code != exitUsage || errb == "" {
			t.Errorf("%v: exit %d, stderr %q", argv, code, errb)
		}
	}
}

func TestSubscribeAndIM(t *testing.T) {
	dir, peer := outboundDir(t, "vcse.cms.steven.lab", standin.Answer)
	code, out, errb := callProcess(t, dir, "subscribe", "sip:2000@cms.steven.lab")
	if code != exitOK || !strings.Contains(out, "Result: subscription accepted 200 OK, 1 NOTIFY") || !strings.Contains(out, "<basic>open</basic>") {
		t.Errorf("subscribe: exit %d\n%s\n%s", code, out, errb)
	}
	code, out, errb = callProcess(t, dir, "call", "sip:2000@cms.steven.lab", "--im", "hello", "--duration", "10ms")
	if code != exitOK || !strings.Contains(out, "the IM's MESSAGE was answered 200") {
		t.Errorf("call --im: exit %d\n%s\n%s", code, out, errb)
	}
	if _, ok := peer.WaitRequest("MESSAGE", 0); !ok {
		t.Errorf("the far end got %v", peer.Requests())
	}
}
