package main

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"context"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/edge/health"
	"github.com/edgesim/edgesim/labdns"
)

// startService runs the real Edge (SIP/TLS and lab DNS) on 127.0.0.1:0 with its lab in labDir and
// returns the bound addresses.
func startService(t *testing.T, labDir string, tlsProfile ...string) (sipAddr, dnsAddr string) {
	t.Helper()
	cfg := config.Default()
	cfg.Lab.Dir = labDir
	if len(tlsProfile) > 0 {
		cfg.Edge.TLS.Profile = tlsProfile[0]
	}
	cfg.Edge.Listen = "127.0.0.1:0"
	cfg.Edge.HandshakeTimeout = 2 * time.Second
	cfg.DNS.Listen = "127.0.0.1:0"
	lab, err := edge.OpenLab(cfg)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := edge.NewService(lab, zerolog.Nop(), edge.ServiceOptions{EdgeLog: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = svc.Close(ctx)
	})
	return svc.SIPAddr().String(), svc.DNSAddr()
}

func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// freePort is a loopback port nothing listens on (TCP or UDP) once the function returns.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return port(t, l.Addr().String())
}

func TestHealthOfARunningEdge(t *testing.T) {
	labDir := t.TempDir()
	sipAddr, dnsAddr := startService(t, labDir)
	t.Setenv("EDGESIM_LAB_DIR", labDir)
	tests := []struct{ name, sip, dns string }{
		{"configured loopback", sipAddr, dnsAddr},
		{"0.0.0.0 is dialled on 127.0.0.1", "0.0.0.0:" + port(t, sipAddr), "0.0.0.0:" + port(t, dnsAddr)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("EDGESIM_EDGE_LISTEN", tc.sip)
			t.Setenv("EDGESIM_DNS_LISTEN", tc.dns)
			code, out, stderr := cli(t, t.TempDir(), "health", "--timeout", "2s")
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, out, stderr)
			}
			for _, want := range []string{
				"sip  OK       127.0.0.1:" + port(t, sipAddr), "TLS 1.2 handshake completed", // the default profile, sfb2015
				"the Edge certificate (identical to " + filepath.Join(labDir, "edge.pem") + ")",
				`accepted client certificate "sip.skype.lab"`,
				"dns  OK       127.0.0.1:" + port(t, dnsAddr), "SOA skype.lab (serial 1) answered authoritatively over UDP and TCP",
				"\nhealthy\n",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		t.Setenv("EDGESIM_EDGE_LISTEN", sipAddr)
		t.Setenv("EDGESIM_DNS_LISTEN", dnsAddr)
		code, out, stderr := cli(t, t.TempDir(), "health", "--json")
		var rep health.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 {
			t.Fatalf("exit %d, %v\n%s%s", code, err, out, stderr)
		}
		if !rep.Healthy || len(rep.Checks) != 2 || rep.Checks[0].Status != health.OK || rep.Checks[1].Status != health.OK ||
			rep.Checks[0].Address != sipAddr || rep.Checks[1].Address != dnsAddr {
			t.Errorf("report: %+v", rep)
		}
	})
}

// Without the Edge's key health cannot present a client certificate; the Edge refuses the handshake,
// which still proves its listener alive, once its own certificate has been checked against the lab CA.
func TestHealthWithoutAClientCertificateCountsTheRefusal(t *testing.T) {
	labDir := t.TempDir()
	sipAddr, dnsAddr := startService(t, labDir, "modern") // TLS 1.2 and 1.3, for the health client to pick
	caOnly := t.TempDir()
	ca, err := os.ReadFile(filepath.Join(labDir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(caOnly, "ca.pem"), string(ca))
	t.Setenv("EDGESIM_LAB_DIR", caOnly)
	t.Setenv("EDGESIM_EDGE_LISTEN", sipAddr)
	t.Setenv("EDGESIM_DNS_LISTEN", dnsAddr)
	for _, tc := range []struct{ tls, alert string }{
		{"1.3", "certificate required"}, // refused after the client's half of the handshake
		{"1.2", "handshake failure"},    // refused inside the handshake
	} {
		t.Run("TLS "+tc.tls, func(t *testing.T) {
			t.Setenv("EDGESIM_EDGE_TLS_PROFILE", "modern")
			t.Setenv("EDGESIM_EDGE_TLS_MAX_VERSION", tc.tls)
			code, out, stderr := cli(t, t.TempDir(), "health", "--timeout", "2s")
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, out, stderr)
			}
			for _, want := range []string{"sip  OK", "alive: presented a certificate for sip.skype.lab from the lab CA",
				"then refused no client certificate", tc.alert, "as the Edge does"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestHealthWithNothingListening(t *testing.T) {
	t.Setenv("EDGESIM_LAB_DIR", t.TempDir())
	t.Setenv("EDGESIM_EDGE_LISTEN", "127.0.0.1:"+freePort(t))
	t.Setenv("EDGESIM_DNS_LISTEN", "127.0.0.1:"+freePort(t))
	// "connection refused", not a timeout, shows the refused port failed at once within the 10s.
	code, out, stderr := cli(t, t.TempDir(), "health", "--timeout", "10s")
	if code != exitFailed {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"sip  FAIL", "nothing is listening (connection refused)", "dns  FAIL", "SOA skype.lab over UDP: nothing is listening"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "healthy") || !strings.Contains(stderr, "edgesim: unhealthy: sip, dns") {
		t.Errorf("verdict:\n%s%s", out, stderr)
	}
}

// Something else on the SIP port (here a TLS server with another CA's certificate for the Edge's name)
// is not the Edge; a disabled lab DNS is skipped, not failed.
func TestHealthTellsAnotherTLSServerFromTheEdge(t *testing.T) {
	labDir := t.TempDir()
	if _, _, err := certs.EnsureCA(labDir, certs.IssuerLab, certs.CAOptions{}); err != nil {
		t.Fatal(err)
	}
	other, _, err := certs.EnsureCA(labDir, certs.IssuerUntrusted, certs.CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := other.Issue(certs.LeafRequest{CommonName: "sip.skype.lab"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{leaf.TLSCertificate()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	dir := t.TempDir()
	f := writeFile(t, filepath.Join(dir, "lab.yaml"), "lab:\n  dir: "+labDir+"\nedge:\n  listen: "+ln.Addr().String()+"\ndns:\n  listen: \"\"\n")
	code, out, stderr := cli(t, dir, "health", "--config", f, "--timeout", "2s")
	if code != exitFailed || !strings.Contains(stderr, "unhealthy: sip") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"sip  FAIL", `the listener presents "sip.skype.lab", which is not the Edge's certificate`,
		"dns  SKIPPED", `dns.listen is "": the lab DNS is disabled`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// A DNS server that does not serve the lab's zones (another resolver on the port) is unhealthy.
func TestHealthWantsTheLabDNS(t *testing.T) {
	labDir := t.TempDir()
	sipAddr, _ := startService(t, labDir)
	zs, err := labdns.ParseZones(map[string]string{"elsewhere.lab": ""})
	if err != nil {
		t.Fatal(err)
	}
	srv := labdns.NewServer(zs, zerolog.Nop())
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	t.Setenv("EDGESIM_LAB_DIR", labDir)
	t.Setenv("EDGESIM_EDGE_LISTEN", sipAddr)
	t.Setenv("EDGESIM_DNS_LISTEN", srv.Addr())
	code, out, stderr := cli(t, t.TempDir(), "health")
	if code != exitFailed || !strings.Contains(stderr, "unhealthy: dns") || !strings.Contains(out, "sip  OK") ||
		!strings.Contains(out, "SOA skype.lab over UDP: answer REFUSED") {
		t.Errorf("exit %d\n%s%s", code, out, stderr)
	}
}

func TestHealthUsageErrors(t *testing.T) {
	t.Setenv("EDGESIM_LAB_DIR", t.TempDir())
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"health", "--timeout", "0s"}, "--timeout must be positive"},
		{nil, []string{"health", "extra"}, "unknown command"},
		{nil, []string{"health", "--timeout", "soon"}, "invalid argument"},
		{map[string]string{"EDGESIM_EDGE_LISTEN": "127.0.0.1:0"}, []string{"health"}, "edge.listen: \"127.0.0.1:0\" has no fixed port"},
		{map[string]string{"EDGESIM_DNS_LISTEN": "0.0.0.0:0"}, []string{"health"}, "dns.listen: \"0.0.0.0:0\" has no fixed port"},
		{map[string]string{"EDGESIM_EDGE_DIAGNOSTICS": "loud"}, []string{"health"}, "edge.diagnostics"},
	} {
		t.Run(strings.Join(tc.args, " ")+" "+tc.want, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			code, out, stderr := cli(t, t.TempDir(), tc.args...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, want 2 with %q\n%s%s", code, tc.want, out, stderr)
			}
		})
	}
}
