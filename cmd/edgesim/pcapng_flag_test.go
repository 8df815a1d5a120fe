package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/edgesim/edgesim/scenarios/standin"
)

// One attempt, one file: call --pcapng holds the call's connection with its keys inside, so tshark
// shows the INVITE and the 200 with no key option.
func TestCallPCAPNG(t *testing.T) {
	dir, peer := outboundDir(t, "vcse.cms.steven.lab", standin.Answer)
	file := filepath.Join(dir, "call.pcapng")
	code, out, errb := callProcess(t, dir, "call", "sip:2000@cms.steven.lab", "--duration", "10ms", "--pcapng", file)
	if code != exitOK || !strings.Contains(out, "Capture (TLS keys inside, Wireshark opens it decrypted): "+file) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errb)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() == 0 {
		t.Fatalf("%s: %v %v", file, fi, err)
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark is not installed (.ci/run installs it from Debian): the file is not read back")
	}
	port := strconv.Itoa(int(peer.Addr().Port()))
	got, err := exec.Command("tshark", "-r", file, "-d", "tcp.port=="+port+",tls", "-d", "tls.port=="+port+",sip", "-Y", "sip",
		"-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code").CombinedOutput()
	if err != nil || !strings.Contains(string(got), "INVITE") || !strings.Contains(string(got), "200") || !strings.Contains(string(got), "BYE") {
		t.Errorf("tshark: %v\n%s", err, got)
	}
}

// check --json --pcapng keeps stdout one JSON object; a path that cannot be written is a usage error.
func TestCheckPCAPNG(t *testing.T) {
	dir, _ := outboundDir(t, "vcse.cms.steven.lab", standin.Answer)
	file := filepath.Join(dir, "check.pcapng")
	code, out, errb := callProcess(t, dir, "check", "cms.steven.lab", "--json", "--pcapng", file)
	var rep map[string]any
	if code != exitOK || json.Unmarshal([]byte(out), &rep) != nil {
		t.Fatalf("exit %d\n%s\n%s", code, out, errb)
	}
	if fi, err := os.Stat(file); err != nil || fi.Size() == 0 {
		t.Errorf("%s: %v %v", file, fi, err)
	}
	code, _, errb = callProcess(t, dir, "check", "cms.steven.lab", "--pcapng", filepath.Join(dir, "no", "such.pcapng"))
	if code != exitUsage || !strings.Contains(errb, "--pcapng: capture.pcapng: ") {
		t.Errorf("unwritable --pcapng: exit %d: %s", code, errb)
	}
}

func TestScenarioRunPCAPNG(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.pcapng")
	code, out, errb := cli(t, dir, "scenario", "run", "cert-expired", "--pcapng", file)
	if code != exitOK || !strings.Contains(out, file) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errb)
	}
	if fi, err := os.Stat(file); err != nil || fi.Size() == 0 {
		t.Errorf("%s: %v %v", file, fi, err)
	}
}
