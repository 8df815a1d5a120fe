package regress

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/internal/netnstest"
)

// netnsEnv tells the re-executed test binary it runs inside the network namespace prepared for it.
const netnsEnv = "EDGESIM_REGRESS_NETNS"

// kamailioModules is Debian's module directory, whatever the architecture.
func kamailioModules() string {
	m, _ := filepath.Glob("/usr/lib/*/kamailio/modules/tls.so")
	if len(m) == 0 {
		return ""
	}
	return filepath.Dir(m[0])
}

// inNetns runs the calling test again inside a network namespace of its own, whose resolv.conf
// names 127.0.0.1: Kamailio asks DNS only on port 53 (the system resolver's), so the lab DNS must
// serve there, which must not disturb the machine's own. It reports whether the caller is the
// re-executed test and should go on.
func inNetns(t *testing.T) bool {
	t.Helper()
	for _, tool := range []string{"ip", "kamailio"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("kamailio test: %s not installed (.ci/run installs kamailio and kamailio-tls-modules)", tool)
		}
	}
	if kamailioModules() == "" {
		t.Skip("kamailio test: kamailio-tls-modules not installed")
	}
	return netnstest.Reexec(t, netnstest.Options{Purpose: "kamailio test", Env: netnsEnv, Name: "regress", Resolver: "127.0.0.1"})
}

// freePort is a TCP port nobody holds in the namespace (which has no other tenant), free for UDP too.
func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		_ = ln.Close()
		if pc, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
			_ = pc.Close()
			return port
		}
	}
	t.Fatal("no port free for both TCP and UDP")
	return 0
}

// kamLab is the test's lab: the lab CA, Kamailio's certificates, the ports and the run's config.
type kamLab struct {
	dir                                  string
	edgePort, ucPort, ucTLSPort, tlsPort int
	answerPort                           int
	ca                                   *certs.CA
	cfg                                  config.Config
	stopKamailio                         func()
}

// federationTLSPort is Kamailio's federation listener: 5061, as on an Expressway-E, so that the
// starter plan (whose expressway.federation is HOST:5061) runs as `regress init` writes it. The
// namespace is the test's own, so the port is free.
const federationTLSPort = 5061

// correctSANs are what a correctly built Expressway-E's certificate carries: every SRV target that
// points at it. brokenSANs lack the target of acano.steven.lab's SRV record.
var (
	correctSANs = []string{"vcse.acano.steven.lab", "vcse.steven.lab", "vcse.cms.steven.lab"}
	brokenSANs  = []string{"vcse.steven.lab", "vcse.cms.steven.lab"}
)

func newKamLab(t *testing.T) *kamLab {
	t.Helper()
	l := &kamLab{dir: t.TempDir(), edgePort: freePort(t), ucPort: freePort(t), ucTLSPort: freePort(t), tlsPort: federationTLSPort, answerPort: freePort(t)}
	ca, _, err := certs.EnsureCA(l.dir, certs.IssuerLab, certs.CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l.ca = ca
	l.issue(t, "vcse", correctSANs...)
	l.issue(t, "vcse-broken", brokenSANs...)
	l.cfg = config.Default()
	l.cfg.Lab.Dir = l.dir
	l.cfg.Edge.Listen = fmt.Sprintf("127.0.0.1:%d", l.edgePort)
	l.cfg.DNS.Listen = "127.0.0.1:53"
	l.cfg.DNS.Timeout = time.Second
	fed := func(host string) string {
		return fmt.Sprintf("_sipfederationtls._tcp 60 IN SRV 0 0 %d %s.\n%s 60 IN A 127.0.0.1\n", l.tlsPort, host, host[:4])
	}
	l.cfg.DNS.Zones = map[string]string{
		"skype.lab":        fmt.Sprintf("_sipfederationtls._tcp 60 IN SRV 0 0 %d sip.skype.lab.\nsip 60 IN A 127.0.0.1\n", l.edgePort),
		"steven.lab":       fed("vcse.steven.lab"),
		"acano.steven.lab": fed("vcse.acano.steven.lab"),
		"cms.steven.lab":   fed("vcse.cms.steven.lab"),
	}
	return l
}

// issue writes a certificate for Kamailio (both usages) as PREFIX.pem and PREFIX.key in the lab.
func (l *kamLab) issue(t *testing.T, prefix string, sans ...string) {
	t.Helper()
	leaf, err := l.ca.Issue(certs.LeafRequest{CommonName: sans[0], SANs: sans})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := leaf.WriteFiles(filepath.Join(l.dir, prefix)); err != nil {
		t.Fatal(err)
	}
}

// kamailioSetup is how one Kamailio start is built.
type kamailioSetup struct {
	Cert          string // the certificate's file prefix in the lab: vcse (correct) or vcse-broken
	AnswerOptions bool   // the "upgraded" proxy answers OPTIONS itself
}

// startKamailio writes kamailio.cfg and tls.cfg into a fresh directory and runs Kamailio in the
// foreground until the test ends; it returns once Kamailio accepts TCP on its UC-side port.
func (l *kamLab) startKamailio(t *testing.T, setup kamailioSetup) {
	t.Helper()
	dir, err := os.MkdirTemp(l.dir, "kamailio-")
	if err != nil {
		t.Fatal(err)
	}
	tlsCfg := fmt.Sprintf(`[server:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
certificate = %[1]s/%[2]s.pem
private_key = %[1]s/%[2]s.key
ca_list = %[1]s/ca.pem

[client:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
certificate = %[1]s/%[2]s.pem
private_key = %[1]s/%[2]s.key
ca_list = %[1]s/ca.pem
`, l.dir, setup.Cert)
	write(t, filepath.Join(dir, "tls.cfg"), tlsCfg)
	tmpl := template.Must(template.New("kamailio.cfg.tmpl").Option("missingkey=error").ParseFiles("testdata/kamailio.cfg.tmpl"))
	var cfg bytes.Buffer
	if err := tmpl.Execute(&cfg, map[string]any{"UCPort": l.ucPort, "UCTLSPort": l.ucTLSPort, "TLSPort": l.tlsPort, "ModulePath": kamailioModules(),
		"TLSConfig": filepath.Join(dir, "tls.cfg"), "Answerer": fmt.Sprintf("127.0.0.1:%d", l.answerPort),
		"SkypeDomain": "skype.lab", "AnswerOptions": setup.AnswerOptions}); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "kamailio.cfg"), cfg.String())
	logf, err := os.Create(filepath.Join(dir, "kamailio.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("kamailio", "-DD", "-E", "-f", filepath.Join(dir, "kamailio.cfg"), "-Y", dir, "-w", dir, "-m", "32", "-M", "4")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its children die with the group
	if err := cmd.Start(); err != nil {
		t.Fatalf("kamailio: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
		}
		_ = logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("kamailio log (%s):\n%s", logf.Name(), b)
		}
	}
	t.Cleanup(stop)
	l.stopKamailio = stop
	deadline := time.Now().Add(15 * time.Second)
	for _, network := range []string{"tcp", "udp"} {
		for !l.answersSIP(network) {
			select {
			case err := <-exited:
				b, _ := os.ReadFile(logf.Name())
				t.Fatalf("kamailio exited at start: %v\n%s", err, b)
			case <-time.After(100 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatalf("kamailio did not answer SIP over %s within 15s", network)
			}
		}
	}
}

// answersSIP sends Kamailio an OPTIONS on its UC-side port and reports whether any SIP answer
// came. Kamailio's main process listens before its workers are ready, so a bare TCP connect
// proves nothing: on a loaded machine the workers took seconds more, and a connection opened and
// closed with no data (the old probe) held a TCP reader that long, so the first case's INVITE was
// read after that case's timeout. An answer comes from a ready worker.
func (l *kamLab) answersSIP(network string) bool {
	c, err := net.DialTimeout(network, fmt.Sprintf("127.0.0.1:%d", l.ucPort), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	local := c.LocalAddr().String()
	req := fmt.Sprintf("OPTIONS sip:ready@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/%s %s;branch=z9hG4bK-ready-%d;rport\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=probe\r\nTo: <sip:ready@127.0.0.1>\r\n"+
		"Call-ID: ready-%d@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		strings.ToUpper(network), local, time.Now().UnixNano(), time.Now().UnixNano())
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte(req)); err != nil {
		return false
	}
	buf := make([]byte, 2048)
	n, _ := c.Read(buf)
	return strings.HasPrefix(string(buf[:n]), "SIP/2.0 ")
}

func write(t *testing.T, file, text string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
