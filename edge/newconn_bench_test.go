package edge

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
)

// BenchmarkRefusedCallNewConn is issue 15's per-connection figure: each call on a mutual-TLS
// connection of its own (handshake, INVITE, the 504, ACK, close) from the hand-written peer of
// BenchmarkRefusedCall, against the Edge and, in the same run, a bare crypto/tls server that verifies
// the client's chain and answers every INVITE with a fixed 504 (bench/mtlsbench serve's twin; the
// shell figure is bench/newconn.sh). The process CPU includes the peer's half of each handshake, the
// same for both.
func BenchmarkRefusedCallNewConn(b *testing.B) {
	e := startEdge(b, withZones(acanoToOtherDomain), func(c *config.Config) { c.Edge.HandshakeTimeout = time.Minute })
	cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.steven.lab"})
	targets := []struct{ name, addr string }{
		{"baseline-crypto-tls", startBareTLSRefuser(b, e.lab.EdgeCert, e.lab.CA.Cert)},
		{"edge", e.addr},
	}
	for _, tg := range targets {
		b.Run(tg.name, func(b *testing.B) {
			conf := benchPeerTLS(e.lab.CA.Cert, cert)
			b.ReportAllocs()
			cpu := processCPU()
			i := 0
			for b.Loop() {
				i++
				p := dialBenchPeerWith(b, tg.addr, conf)
				p.refusedCall(b, i)
				_ = p.c.Close()
			}
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// startBareTLSRefuser is the least a Go server must do for the call: crypto/tls verifying the client
// chain against the lab CA (TLS 1.2, as the Edge's default profile), a fixed 504 to each INVITE with
// the request's Via, From, To, Call-ID and CSeq, nothing to the ACK.
func startBareTLSRefuser(b testing.TB, cert tls.Certificate, ca *x509.Certificate) string {
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	conf := &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert,
		MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12}
	l, err := tls.Listen("tcp", "127.0.0.1:0", conf)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go refuseInvites(c)
		}
	}()
	return l.Addr().String()
}

func refuseInvites(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	tp := textproto.NewReader(br)
	for {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second)) // a vanished peer does not hold the goroutine
		start, err := tp.ReadLine()
		if err != nil {
			return
		}
		if start == "" {
			continue
		}
		hdr, err := tp.ReadMIMEHeader()
		if err != nil {
			return
		}
		if !strings.HasPrefix(start, "INVITE ") {
			continue
		}
		var s strings.Builder
		s.WriteString("SIP/2.0 504 Server time-out\r\n")
		for _, h := range []string{"Via", "From", "To", "Call-Id", "Cseq"} {
			for _, v := range hdr[h] {
				if h == "To" {
					v += ";tag=bare"
				}
				s.WriteString(h + ": " + v + "\r\n")
			}
		}
		s.WriteString("Server: RTC/6.0\r\nContent-Length: 0\r\n\r\n")
		if _, err := io.WriteString(c, s.String()); err != nil {
			return
		}
	}
}
