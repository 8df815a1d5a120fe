package edge

import (
	"bufio"
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
)

// opensslServer runs `openssl s_server` demanding a client certificate from the lab CA, with a
// server certificate named cn, and returns its port once it accepts. It is killed in Cleanup.
func opensslServer(t *testing.T, dir, cn string) (uint16, func() string) {
	t.Helper()
	return opensslServerWith(t, dir, certs.LeafRequest{CommonName: cn})
}

// opensslServerWith is opensslServer with any lab-issued certificate.
func opensslServerWith(t *testing.T, dir string, req certs.LeafRequest) (uint16, func() string) {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	ca, _, err := certs.EnsureCA(dir, certs.IssuerLab, certs.CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue(req)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, err := leaf.WriteFiles(filepath.Join(t.TempDir(), "server"))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).AddrPort().Port()
	_ = ln.Close()
	cmd := exec.Command(bin, "s_server", "-accept", "127.0.0.1:"+strconv.Itoa(int(port)), "-cert", certFile, "-key", keyFile,
		"-CAfile", ca.CertFile, "-Verify", "1", "-verify_return_error")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	// s_server stops at EOF on its standard input, so it gets one that stays open.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = stdin.Close(); _ = cmd.Wait() })
	var mu sync.Mutex
	var out strings.Builder
	accepting := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		once := sync.Once{}
		for sc.Scan() {
			mu.Lock()
			out.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if strings.Contains(sc.Text(), "ACCEPT") {
				once.Do(func() { close(accepting) })
			}
		}
	}()
	select {
	case <-accepting:
	case <-time.After(10 * time.Second):
		t.Fatal("openssl s_server did not start accepting within 10s")
	}
	return port, func() string { mu.Lock(); defer mu.Unlock(); return out.String() }
}

// The certificate verdict against a TLS server we did not write, which demands our certificate.
func TestCheckAgainstOpenSSL(t *testing.T) {
	for _, tc := range []struct {
		cn   string
		pass bool
		diag string
	}{
		{"vcse.cms.steven.lab", true, ""},
		{"vcse.steven.lab", false, seed1010},
	} {
		t.Run(tc.cn, func(t *testing.T) {
			l := newOutLab(t)
			port, output := opensslServer(t, l.dir, tc.cn)
			o := l.open(cmsZone("vcse.cms.steven.lab", port))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rep := o.Check(ctx, "cms.steven.lab", time.Now(), nil)
			if rep.Pass != tc.pass || rep.Diagnostic != tc.diag || rep.PeerServer != tc.cn {
				t.Fatalf("pass %v peer %q diagnostic %s\nrules %+v\nopenssl:\n%s", rep.Pass, rep.PeerServer, rep.Diagnostic, rep.Rules, output())
			}
			if !tc.pass {
				return
			}
			deadline := time.Now().Add(2 * time.Second)
			for !strings.Contains(output(), "sip.skype.lab") && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if !strings.Contains(output(), "sip.skype.lab") {
				t.Errorf("openssl did not report the Edge's client certificate:\n%s", output())
			}
		})
	}
}
