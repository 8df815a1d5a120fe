package edge

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/certs"
)

// The key log beside a capture the engineers take themselves: tcpdump on loopback, then tshark with
// capture.keylog decrypts the INVITE and the Edge's 504.
func TestRecorderKeyLogDecryptsTcpdump(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("tcpdump -i lo needs root")
	}
	for _, tool := range []string{"tcpdump", "tshark"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (.ci/run installs it from Debian)", tool)
		}
	}
	dir := t.TempDir()
	keys, dump := filepath.Join(dir, "keys.log"), filepath.Join(dir, "lo.pcap")
	rec, err := NewRecorder(RecordOptions{KeyLog: keys, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rec.Close() })
	e := startEdgeWith(t, zerolog.Nop(), ServiceOptions{Recorder: rec}, withZones(recordingZones))
	port := strconv.Itoa(e.svc.SIPAddr().(*net.TCPAddr).Port)
	// --immediate-mode: without it libpcap hands packets over in blocks, and a SIGINT can end
	// tcpdump before the block holding the call is written.
	stop := startTool(t, "listening on", "tcpdump", "-i", "lo", "--immediate-mode", "-U", "-w", dump, "tcp", "port", port)
	if c := e.call(e.peer(e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.steven.lab"})), seedFrom, seedTo); c.Final == nil || c.Final.StatusCode != 504 {
		t.Fatalf("call: %+v", c)
	}
	if err := rec.Close(); err != nil { // the key log is whole
		t.Fatal(err)
	}
	// tcpdump writes each packet as it handles it (-U), but on a loaded machine it may still be
	// behind: read the file until it holds the 504, bounded, then stop it.
	var out string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		b, _ := exec.Command("tshark", "-r", dump, "-o", "tls.keylog_file:"+keys, "-d", "tcp.port=="+port+",tls", "-d", "tls.port=="+port+",sip",
			"-Y", "sip", "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code").CombinedOutput() // a packet half written is no error here
		if out = string(b); strings.Contains(out, "INVITE") && strings.Contains(out, "504") {
			break
		}
	}
	stop()
	if !strings.Contains(out, "INVITE") || !strings.Contains(out, "504") {
		t.Errorf("tshark with the key log does not show the INVITE and the 504:\n%s", out)
	}
}

// startTool runs a capture tool until the returned stop (SIGINT, then wait), once its stderr has
// said ready. It is bounded: a tool that never gets ready fails the test after 10 s.
func startTool(t *testing.T, ready string, name string, args ...string) (stop func()) {
	t.Helper()
	cmd := exec.Command(name, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("%s did not stop on SIGINT", name)
		}
	}
	t.Cleanup(stop)
	got := make(chan bool, 1)
	var said strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			fmt.Fprintln(&said, sc.Text())
			if strings.Contains(sc.Text(), ready) {
				got <- true
			}
		}
		got <- false
		done <- cmd.Wait()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	select {
	case ok := <-got:
		if !ok {
			t.Fatalf("%s exited before it was ready", name)
		}
	case <-ctx.Done():
		t.Fatalf("%s did not say %q within 10 s", name, ready)
	}
	return stop
}

// HEP as sngrep receives it: sngrep -N -q -L listens for HEP and -O writes what it received as a
// pcap, which tshark then reads as plain SIP.
func TestRecorderHEPToSngrep(t *testing.T) {
	for _, tool := range []string{"sngrep", "tshark"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (.ci/run installs it from Debian)", tool)
		}
	}
	if help, _ := exec.Command("sngrep", "--help").CombinedOutput(); !strings.Contains(string(help), "--eep-listen") || !strings.Contains(string(help), "--no-interface") {
		t.Skip("this sngrep has no -L (--eep-listen) or -N (--no-interface)")
	}
	l, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := "udp:" + l.LocalAddr().String()
	_ = l.Close() // sngrep binds it; another process taking it in between fails the wait below
	out := filepath.Join(t.TempDir(), "sngrep.pcap")
	// No device and no BPF filter: with -L, sngrep 1.6 refuses a filter ("Couldn't install filter").
	cmd := exec.Command("sngrep", "-N", "-q", "-L", target, "-O", out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitUDPBound(t, l.LocalAddr().(*net.UDPAddr).Port)
	rec, err := NewRecorder(RecordOptions{HEP: target, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	e := startEdgeWith(t, zerolog.Nop(), ServiceOptions{Recorder: rec}, withZones(recordingZones))
	if c := e.call(e.peer(e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.steven.lab"})), seedFrom, seedTo); c.Final == nil || c.Final.StatusCode != 504 {
		t.Fatalf("call: %+v", c)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	// sngrep writes its pcap as packets arrive; read it until the 504 is there, bounded.
	var got string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		b, _ := exec.Command("tshark", "-r", out, "-Y", "sip", "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code").CombinedOutput()
		if got = string(b); strings.Contains(got, "INVITE") && strings.Contains(got, "504") {
			break
		}
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if !strings.Contains(got, "INVITE") || !strings.Contains(got, "504") {
		t.Errorf("sngrep's capture of the HEP does not show the INVITE and the 504:\n%s", got)
	}
}

// waitUDPBound waits, bounded, until a socket is bound to the loopback UDP port, as /proc/net/udp
// shows it: sngrep says nothing when it is ready.
func waitUDPBound(t *testing.T, port int) {
	t.Helper()
	want := fmt.Sprintf("0100007F:%04X ", port)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile("/proc/net/udp"); err != nil {
			t.Skipf("cannot tell when sngrep is listening: %v", err)
		} else if strings.Contains(string(b), want) {
			return
		}
	}
	t.Fatalf("nothing bound udp 127.0.0.1:%d within 10 s", port)
}
