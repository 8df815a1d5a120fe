// Package netnstest runs a test again inside a Linux network namespace of its own, for a test that
// needs port 53, several hosts or no route out of the machine. Where that is impossible (not root,
// no iproute2, no namespaces) the test is skipped with the reason.
package netnstest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Options describe the namespace.
type Options struct {
	Purpose  string // names the test in its skip messages, e.g. "kamailio test"
	Env      string // the environment variable that marks the re-run inside the namespace
	Name     string // the namespace's name, made unique per process
	Resolver string // when set, the namespace's resolv.conf names this nameserver
}

// shownLines is how much of the re-run's output a passing test logs.
const shownLines = 60

// Reexec reports whether the caller is the re-run inside the namespace and should go on. The outer
// run makes the namespace (loopback up, nothing else), re-runs the calling test there, reports its
// output, removes the namespace and returns false.
func Reexec(t *testing.T, o Options) bool {
	t.Helper()
	if os.Getenv(o.Env) != "" {
		return true
	}
	if os.Geteuid() != 0 {
		t.Skipf("%s: needs root for a network namespace of its own (CI runs as root)", o.Purpose)
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skipf("%s: iproute2's ip is not installed", o.Purpose)
	}
	name := fmt.Sprintf("edgesim-%s-%d", o.Name, os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Skipf("%s: cannot create a network namespace here: %v: %s", o.Purpose, err, out)
	}
	etc := filepath.Join("/etc/netns", name)
	t.Cleanup(func() {
		_ = exec.Command("ip", "netns", "del", name).Run()
		_ = os.RemoveAll(etc)
	})
	if o.Resolver != "" {
		writeResolvConf(t, etc, o.Resolver)
	}
	if out, err := exec.Command("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("loopback in the namespace: %v: %s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", name, os.Args[0], "-test.run", "^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), o.Env+"="+name)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the test inside network namespace %s failed: %v\n%s", name, err, out)
	}
	t.Logf("inside network namespace %s:\n%s", name, lastLines(string(out), shownLines))
	return false
}

// writeResolvConf gives the namespace its own resolver: ip netns exec binds /etc/netns/NAME/* over /etc.
func writeResolvConf(t *testing.T, etc, nameserver string) {
	if err := os.MkdirAll(etc, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := "nameserver " + nameserver + "\noptions timeout:1 attempts:1\n"
	if err := os.WriteFile(filepath.Join(etc, "resolv.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
