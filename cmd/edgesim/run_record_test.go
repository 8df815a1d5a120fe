package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// `edgesim run` with every output on says where each goes, serves /metrics, and leaves whole
// files once stopped.
func TestRunRecordsWhereItSays(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("EDGESIM_EDGE_LISTEN", "127.0.0.1:0")
	t.Setenv("EDGESIM_DNS_LISTEN", "127.0.0.1:0")
	t.Setenv("EDGESIM_CONSOLE_LISTEN", "127.0.0.1:0") // never a fixed port in a test
	t.Setenv("SSLKEYLOGFILE", "")
	pcap, keys := filepath.Join(dir, "edge.pcapng"), filepath.Join(dir, "keys.log")
	out, errb := startRun(t, "run", "--capture-pcapng", pcap, "--capture-keylog", keys, "--record-jsonl", "a.jsonl",
		"--record-history", "50", "--metrics-listen", "127.0.0.1:0")
	urlRE := regexp.MustCompile(`metrics: (http://127\.0\.0\.1:\d+/metrics)`)
	var url string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && url == ""; time.Sleep(20 * time.Millisecond) {
		if m := urlRE.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		t.Fatalf("no metrics URL in the banner:\n%s\n%s", out.String(), errb.String())
	}
	for _, want := range []string{"the last 50 kept in memory", "pcapng with its TLS keys: " + pcap, "NSS key log: " + keys, "a.jsonl"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out.String())
		}
	}
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if !bytes.Contains(body, []byte("edgesim_build_info")) {
		t.Errorf("GET %s: %s", url, body)
	}
	for _, f := range []string{pcap, keys} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", f, fi, err)
		}
	}
}

// Outputs that cannot work are refused at start, each naming its key, with the usage exit code.
func TestRunRefusesBadRecordingAtStart(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("EDGESIM_EDGE_LISTEN", "127.0.0.1:0")
	t.Setenv("EDGESIM_DNS_LISTEN", "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--capture-pcapng", filepath.Join(dir, "no", "such", "dir", "x.pcapng")}, "capture.pcapng: "},
		{[]string{"--record-jsonl", filepath.Join(dir, "no", "x.jsonl")}, "record.jsonl: "},
		{[]string{"--capture-hep", "udp:no-such-host.invalid:9060"}, "capture.hep: "},
		{[]string{"--capture-hep", "127.0.0.1:9060"}, "capture.hep: "},
		{[]string{"--metrics-listen", "0.0.0.0:0"}, "metrics.token: required"},
		{[]string{"--metrics-listen", "127.0.0.1:99999"}, "metrics.listen"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var out, errb bytes.Buffer
		code := runCLI(ctx, append([]string{"run"}, tc.args...), &out, &errb)
		cancel()
		if code != exitUsage || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("run %v: exit %d, want %d with %q:\n%s", tc.args, code, exitUsage, tc.want, errb.String())
		}
	}
}
