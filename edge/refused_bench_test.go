package edge

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
)

// BenchmarkRefusedCall is one refused call as an Expressway sends it (INVITE, the 504 with its
// ms-diagnostics, ACK) over one persistent mutual-TLS connection from a hand-written peer, so the
// process CPU is nearly all the server's: the Edge beside, in the same run, a bare sipgo listener
// that answers every INVITE with a fixed 504 and waits for its ACK.
func BenchmarkRefusedCall(b *testing.B) {
	// A long handshake bound: under valgrind (instruction counts, bench/README.md) a handshake is slow.
	e := startEdge(b, withZones(acanoToOtherDomain), func(c *config.Config) { c.Edge.HandshakeTimeout = time.Minute })
	cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.steven.lab"})
	targets := []struct{ name, addr string }{{"baseline-sipgo", startRefusingBaseline(b, e.lab.EdgeCert)}, {"edge", e.addr}}
	for _, tg := range targets {
		b.Run(tg.name, func(b *testing.B) {
			p := dialBenchPeer(b, tg.addr, e.lab.CA.Cert, cert)
			b.ReportAllocs()
			cpu := processCPU()
			i := 0
			for b.Loop() {
				i++
				p.refusedCall(b, i)
			}
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// startRefusingBaseline is sipgo with the Edge's TLS settings answering every INVITE 504.
func startRefusingBaseline(b testing.TB, cert tls.Certificate) string {
	return startSipgoBaseline(b, cert, func(srv *sipgo.Server) {
		srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
			res := sip.NewResponseFromRequest(req, 504, "Server time-out", nil)
			res.AppendHeader(sip.NewHeader("ms-diagnostics", `1009;reason="No match for domain in DNS SRV results";source="sip.skype.lab"`))
			res.AppendHeader(sip.NewHeader("Server", "RTC/6.0"))
			_ = tx.Respond(res)
			select {
			case <-tx.Acks():
			case <-tx.Done():
			case <-time.After(5 * time.Second):
			}
		})
	})
}

// benchPeerConn writes requests as text and reads whole responses, with as little work as a peer can.
type benchPeerConn struct {
	c  *tls.Conn
	tp *textproto.Reader
	br *bufio.Reader
}

func dialBenchPeer(b *testing.B, addr string, ca *x509.Certificate, cert *tls.Certificate) *benchPeerConn {
	p := dialBenchPeerWith(b, addr, benchPeerTLS(ca, cert))
	b.Cleanup(func() { _ = p.c.Close() })
	return p
}

// benchPeerTLS is the hand-written peer's TLS: the Edge's lab CA, its FQDN, TLS 1.2, cert as client.
func benchPeerTLS(ca *x509.Certificate, cert *tls.Certificate) *tls.Config {
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	return &tls.Config{RootCAs: roots, ServerName: "sip.skype.lab", MaxVersion: tls.VersionTLS12,
		Certificates: []tls.Certificate{*cert}}
}

// dialBenchPeerWith opens one peer connection; the caller closes it.
func dialBenchPeerWith(b *testing.B, addr string, conf *tls.Config) *benchPeerConn {
	c, err := tls.Dial("tcp", addr, conf)
	if err != nil {
		b.Fatal(err)
	}
	br := bufio.NewReader(c)
	return &benchPeerConn{c: c, tp: textproto.NewReader(br), br: br}
}

// refusedCall sends INVITE i, reads up to its final answer (which must be a 504) and ACKs it.
func (p *benchPeerConn) refusedCall(b *testing.B, i int) {
	branch := "z9hG4bK-bench-" + strconv.Itoa(i)
	callID := "bench-" + strconv.Itoa(i)
	head := func(method string) string {
		return method + " sip:stejanss@skype.lab SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=" + branch + "\r\n" +
			"Max-Forwards: 70\r\nFrom: <sip:2000@acano.steven.lab>;tag=b" + strconv.Itoa(i) + "\r\nTo: <sip:stejanss@skype.lab>"
	}
	rest := "\r\nCall-ID: " + callID + "\r\nCSeq: 1 "
	if _, err := io.WriteString(p.c, head("INVITE")+rest+"INVITE\r\nContact: <sip:2000@127.0.0.1;transport=tls>\r\nContent-Length: 0\r\n\r\n"); err != nil {
		b.Fatal(err)
	}
	toTag := ""
	for {
		status, to := p.readResponse(b)
		if status >= 200 {
			if status != 504 {
				b.Fatalf("call %d: status %d, want 504", i, status)
			}
			toTag = to
			break
		}
	}
	if _, err := io.WriteString(p.c, head("ACK")+toTag+rest+"ACK\r\nContent-Length: 0\r\n\r\n"); err != nil {
		b.Fatal(err)
	}
}

// readResponse reads one response and returns its status and the To tag as ";tag=…".
func (p *benchPeerConn) readResponse(b *testing.B) (int, string) {
	_ = p.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := p.tp.ReadLine()
	if err != nil {
		b.Fatal(err)
	}
	var status int
	if _, err := fmt.Sscanf(line, "SIP/2.0 %d", &status); err != nil {
		b.Fatalf("not a response: %q", line)
	}
	hdr, err := p.tp.ReadMIMEHeader()
	if err != nil {
		b.Fatal(err)
	}
	if n, _ := strconv.Atoi(hdr.Get("Content-Length")); n > 0 {
		if _, err := p.br.Discard(n); err != nil {
			b.Fatal(err)
		}
	}
	tag := ""
	if _, t, ok := strings.Cut(hdr.Get("To"), ";tag="); ok {
		tag = ";tag=" + t
	}
	return status, tag
}
