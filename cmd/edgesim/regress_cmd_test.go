package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A plan that cannot be used exits 2 and names the file, the line and the key.
func TestRegressBadPlanExitsTwo(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.yaml")
	if err := os.WriteFile(plan, []byte("expressway: {entry: \"127.0.0.1:5060\", transport: tcp}\nuc:\n  identities: [\"sip:2000@acano.steven.lab\"]\n  answerer: {listen: \"127.0.0.1:5070\"}\ncases:\n  - name: x\n    direction: sideways\n    expect: {status: 200}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := cli(t, dir, "regress", "run", plan)
	if code != exitUsage || !strings.Contains(stderr, "plan.yaml:7: key cases[0].direction: want inbound") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// init writes a plan that run accepts; a bad --entry is a usage error.
func TestRegressInit(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.yaml")
	if code, _, stderr := cli(t, dir, "regress", "init", "--entry", "tcp:192.0.2.20:5060", "--answerer", "192.0.2.10:5070", "--out", plan); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	text, err := os.ReadFile(plan)
	if err != nil || strings.Count(string(text), "- name:") < 10 {
		t.Fatalf("plan (%v):\n%s", err, text)
	}
	if code, _, _ := cli(t, dir, "regress", "init", "--entry", "ws:192.0.2.20", "--answerer", "192.0.2.10:5070"); code != exitUsage {
		t.Errorf("a bad --entry: exit %d", code)
	}
}

// regress run serves the Edge itself; when another process holds its SIP listener it exits 2,
// naming the address, and plays nothing.
func TestRegressRefusesAHeldListener(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "edgesim.yaml"), "lab: {dir: "+filepath.Join(dir, "lab")+"}\nedge: {listen: \""+held.Addr().String()+"\"}\ndns: {listen: \"127.0.0.1:0\"}\n")
	plan := writeFile(t, filepath.Join(dir, "plan.yaml"), "expressway: {entry: \"127.0.0.1:5060\", transport: tcp}\nuc:\n  identities: [\"sip:2000@acano.steven.lab\"]\n  answerer: {listen: \"127.0.0.1:0\"}\ncases:\n  - name: x\n    direction: inbound\n    expect: {status: 200}\n")
	code, stdout, stderr := cli(t, dir, "regress", "run", plan, "--config", cfg)
	if code != exitUsage || !strings.Contains(stderr, "tcp/"+held.Addr().String()+" is already in use") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if strings.Contains(stdout, "CASE") {
		t.Errorf("a case ran:\n%s", stdout)
	}
}
