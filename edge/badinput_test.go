package edge

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
)

// rawTLS is a hand-driven mutual-TLS connection to the Edge, for input a SIP stack would not send.
func (e *testEdge) rawTLS(cert *tls.Certificate) *tls.Conn {
	e.t.Helper()
	if cert == nil {
		cert = &tls.Certificate{} // present none
	}
	roots := x509.NewCertPool()
	roots.AddCert(e.lab.CA.Cert)
	c, err := tls.Dial("tcp", e.addr, &tls.Config{RootCAs: roots, ServerName: "sip.skype.lab", MaxVersion: tls.VersionTLS12,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = c.Close() })
	return c
}

// readUntilClosed reads what the Edge sends until it closes the connection or d passes.
func readUntilClosed(t *testing.T, c net.Conn, d time.Duration) (string, bool) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(d))
	var out bytes.Buffer
	_, err := io.Copy(&out, c)
	var ne net.Error
	timedOut := errors.As(err, &ne) && ne.Timeout()
	return out.String(), !timedOut
}

func rawInvite(from string, extra string, body string) string {
	return "INVITE sip:stejanss@skype.lab SIP/2.0\r\n" +
		"Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK" + strings.Repeat("7", 12) + ";rport\r\n" +
		from +
		"To: <sip:stejanss@skype.lab>\r\n" +
		"Call-ID: bad-input-1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n" + extra +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

// Each piece of bad input gets a defined answer or a clean close, never a hang, and a good call
// right after still succeeds.
func TestInboundBadInput(t *testing.T) {
	good := certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}
	tests := []struct {
		name string
		opts []edgeOption
		run  func(t *testing.T, e *testEdge)
	}{
		{"no client certificate is refused at the TLS level", nil, func(t *testing.T, e *testEdge) {
			p := e.peer(nil)
			ctx := ctx5(t)
			res, err := p.Do(ctx, e.request(p, sip.OPTIONS, seedFrom, seedTo))
			if err == nil {
				t.Fatalf("a peer without a certificate got a SIP answer: %v", res)
			}
			if ctx.Err() != nil { // the refusal must end the attempt, not the test's own bound
				t.Fatalf("the attempt hung until the test's deadline: %v", err)
			}
			if e.edgeLog.String() != "" {
				t.Errorf("a TLS-level refusal wrote an Edge-log record")
			}
			waitLog(t, e, `"peer":"127.0.0.1:`, "client didn't provide a certificate")
		}},
		{"plaintext SIP on the TLS port", nil, func(t *testing.T, e *testEdge) {
			c, err := net.Dial("tcp", e.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, _ = io.WriteString(c, rawInvite("From: <sip:2000@acano.steven.lab>;tag=1\r\n", "", ""))
			out, closed := readUntilClosed(t, c, 3*time.Second)
			if !closed || strings.Contains(out, "SIP/2.0") {
				t.Errorf("closed=%v, answer %q: want a clean close", closed, out)
			}
			waitLog(t, e, "not TLS: the peer sent plaintext")
		}},
		{"a peer that connects and sends nothing", []edgeOption{func(c *config.Config) { c.Edge.HandshakeTimeout = 300 * time.Millisecond }},
			func(t *testing.T, e *testEdge) {
				c, err := net.Dial("tcp", e.addr)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				if _, closed := readUntilClosed(t, c, 3*time.Second); !closed {
					t.Errorf("silent connection still open after the handshake deadline")
				}
				waitLog(t, e, "no TLS handshake within the deadline")
			}},
		{"an idle TLS connection is closed", []edgeOption{func(c *config.Config) { c.Edge.IdleTimeout = 300 * time.Millisecond }},
			func(t *testing.T, e *testEdge) {
				c := e.rawTLS(e.issue(certs.IssuerLab, good))
				if _, closed := readUntilClosed(t, c, 3*time.Second); !closed {
					t.Errorf("idle connection still open after edge.idle_timeout")
				}
			}},
		{"malformed SIP", nil, func(t *testing.T, e *testEdge) {
			c := e.rawTLS(e.issue(certs.IssuerLab, good))
			_, _ = io.WriteString(c, "THIS IS NOT SIP\r\nat all\r\n\r\n")
			if _, closed := readUntilClosed(t, c, 3*time.Second); !closed {
				t.Errorf("connection left open after garbage")
			}
		}},
		{"an oversized message", []edgeOption{func(c *config.Config) { c.Edge.MaxMessageBytes = 4096 }}, func(t *testing.T, e *testEdge) {
			c := e.rawTLS(e.issue(certs.IssuerLab, good))
			_, _ = io.WriteString(c, rawInvite("From: <sip:2000@acano.steven.lab>;tag=1\r\n", "Content-Type: text/plain\r\n", strings.Repeat("x", 8000)))
			out, closed := readUntilClosed(t, c, 3*time.Second)
			if !closed || strings.Contains(out, "SIP/2.0 200") {
				t.Errorf("closed=%v answer=%q: want the connection closed", closed, out)
			}
		}},
		{"missing From", nil, func(t *testing.T, e *testEdge) {
			c := e.rawTLS(e.issue(certs.IssuerLab, good))
			_, _ = io.WriteString(c, rawInvite("", "", ""))
			out, _ := readUntilClosed(t, c, time.Second)
			if !strings.HasPrefix(out, "SIP/2.0 400 ") {
				t.Errorf("answer %q, want 400", out)
			}
		}},
		{"missing Call-ID, To or From with a P-Asserted-Identity", nil, func(t *testing.T, e *testEdge) {
			for _, tc := range []struct{ drop, add, want string }{
				{"Call-ID: bad-input-1\r\n", "", "SIP/2.0 400 Bad Request - Missing Call-ID"},
				{"To: <sip:stejanss@skype.lab>\r\n", "", "SIP/2.0 400 Bad Request - Missing To"},
				{"", "P-Asserted-Identity: <sip:2000@acano.steven.lab>\r\n", "SIP/2.0 400 Bad Request - Missing From"},
			} {
				c := e.rawTLS(e.issue(certs.IssuerLab, good))
				from := "From: <sip:2000@acano.steven.lab>;tag=1\r\n"
				if tc.add != "" {
					from = ""
				}
				_, _ = io.WriteString(c, strings.Replace(rawInvite(from, tc.add, ""), tc.drop, "", 1))
				out, _ := readUntilClosed(t, c, time.Second)
				if !strings.HasPrefix(out, tc.want) {
					t.Errorf("answer %q, want %q", out, tc.want)
				}
			}
		}},
		{"an IP-literal From host", nil, func(t *testing.T, e *testEdge) {
			p := e.peer(e.issue(certs.IssuerLab, good))
			res := e.call(p, "sip:2000@192.0.2.10", seedTo)
			if res.Final.StatusCode != 504 || !strings.HasPrefix(diagnostic(res.Final), `1008;reason="Unable to resolve DNS SRV record";domain="192.0.2.10"`) {
				t.Errorf("got %d %q", res.Final.StatusCode, diagnostic(res.Final))
			}
		}},
		{"a DNS server that never answers", []edgeOption{silentDNS(t)}, func(t *testing.T, e *testEdge) {
			p := e.peer(e.issue(certs.IssuerLab, good))
			// Only the resolver's 500ms timeout can produce this 1008 with "timeout" in the log.
			res := e.call(p, seedFrom, seedTo)
			if res.Final.StatusCode != 504 || !strings.HasPrefix(diagnostic(res.Final), "1008;") {
				t.Errorf("got %d %q, want 504 with 1008", res.Final.StatusCode, diagnostic(res.Final))
			}
			if !strings.Contains(e.edgeLog.String(), "timeout") {
				t.Errorf("Edge log does not say the lookup timed out:\n%s", e.edgeLog.String())
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := startEdge(t, append([]edgeOption{withZones(acanoCorrect)}, tc.opts...)...)
			tc.run(t, e)
			if strings.Contains(tc.name, "DNS") {
				return // every call on this Edge meets the silent resolver
			}
			res := e.call(e.peer(e.issue(certs.IssuerLab, good)), seedFrom, seedTo)
			if !res.Answered {
				t.Errorf("a good call after the bad input failed: %v", res.Final)
			}
		})
	}
}

// waitLog waits briefly for the process log to hold every part: log lines follow the event a little.
func waitLog(t *testing.T, e *testEdge, parts ...string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		logs := e.logs.String()
		missing := ""
		for _, p := range parts {
			if !strings.Contains(logs, p) {
				missing = p
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("process log lacks %q:\n%s", missing, logs)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// silentDNS points the Edge's resolver at a UDP socket that reads and never answers.
func silentDNS(t *testing.T) edgeOption {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	return func(c *config.Config) { c.DNS.Resolver = pc.LocalAddr().String() }
}
