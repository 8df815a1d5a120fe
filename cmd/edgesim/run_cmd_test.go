package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startRun runs a long-lived command in the background; the test's end stops it like a signal and
// checks it exits 0 within 10 s.
func startRun(t *testing.T, args ...string) (out, errb *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errb = &lockedBuffer{}, &lockedBuffer{}
	done := make(chan int, 1)
	go func() { done <- runCLI(ctx, args, out, errb) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("%v exited %d: %s", args, code, errb.String())
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%v did not stop within 10s of its context ending", args)
		}
	})
	return out, errb
}

// `edgesim run` with no configuration serves the seed's lab; dig, a resolver we did not write, asks it.
func TestRunServesTheSeedLabToDig(t *testing.T) {
	dig, err := exec.LookPath("dig")
	if err != nil {
		t.Skip("dig not installed (CI installs dnsutils)")
	}
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("EDGESIM_EDGE_LISTEN", "127.0.0.1:0")
	t.Setenv("EDGESIM_DNS_LISTEN", "127.0.0.1:0")
	t.Setenv("EDGESIM_CONSOLE_LISTEN", "127.0.0.1:0") // 5080 may be taken by a run beside the tests
	out, errb := startRun(t, "run")
	addrRE := regexp.MustCompile(`lab DNS \(UDP\+TCP\):\s+127\.0\.0\.1:(\d+)`)
	var port string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := addrRE.FindStringSubmatch(out.String()); m != nil {
			port = m[1]
			break
		}
	}
	if port == "" {
		t.Fatalf("no DNS address printed:\n%s\n%s", out.String(), errb.String())
	}
	for _, want := range []string{"ca.pem", "SHA-256 ", "_sipfederationtls._tcp.acano.steven.lab.", "SRV\t0 0 5061 vcse.acano.steven.lab."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out.String())
		}
	}
	for _, transport := range []string{"+notcp", "+tcp"} {
		cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
		got, err := exec.CommandContext(cctx, dig, "@127.0.0.1", "-p", port, "_sipfederationtls._tcp.skype.lab", "SRV", "+short", transport).CombinedOutput()
		ccancel()
		if err != nil || strings.TrimSpace(string(got)) != "0 0 5061 sip.skype.lab." {
			t.Errorf("dig %s: %q %v", transport, got, err)
		}
	}
	for _, f := range []string{"ca.pem", "ca.key", "edge.pem", "edge.key"} {
		if _, err := exec.Command("test", "-f", filepath.Join(dir, "edgesim-lab", f)).CombinedOutput(); err != nil {
			t.Errorf("%s not created", f)
		}
	}
}
