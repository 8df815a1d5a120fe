package artifact

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgesim/edgesim/record/recordtest"
)

// TestPCAPNGOpensInTshark reads the golden attempt's capture with Wireshark's own reader: its three
// messages as SIP, in order, on the attempt's connection.
func TestPCAPNGOpensInTshark(t *testing.T) {
	b, err := PCAPNG(recordtest.SeedRefusal())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "\x0a\x0d\x0d\x0a") {
		t.Fatal("the capture does not start with a pcapng section header block")
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed (.ci/run installs it): the capture was not read back")
	}
	file := filepath.Join(t.TempDir(), "attempt.pcapng")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("tshark", "-r", file, "-d", "tcp.port==5061,sip", "-Y", "sip",
		"-T", "fields", "-e", "tcp.srcport", "-e", "sip.Method", "-e", "sip.Status-Code")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, stderr.String())
	}
	// The golden ACK is a bare "ACK" line, which Wireshark reads as SIP without a method.
	got := strings.TrimRight(string(out), "\n")
	if want := "40000\tINVITE\t\n5061\t\t504\n40000\t\t"; got != want {
		t.Fatalf("tshark read:\n%q\nwant\n%q", got, want)
	}
}
