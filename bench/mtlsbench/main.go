// Command mtlsbench is the Go half of the bench/ scripts. "serve" is the
// baseline: a bare crypto/tls server that verifies the client chain and
// answers SIP with fixed responses, so edgesim's cost can be read as a
// ratio to the least a Go MTLS SIP server must spend. "hold" is the load:
// it opens N mutual-TLS connections, sends one OPTIONS on each, reports,
// keeps them idle for a while, checks each still answers an OPTIONS and
// closes them. "calls" places refused calls, each on a new connection.
// All stop by themselves.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: mtlsbench serve|hold|hold-part|calls|flood|flood-part [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:5071", "listen (serve) or dial (hold) address; loopback only")
	cert := fs.String("cert", "", "certificate PEM (leaf then chain)")
	key := fs.String("key", "", "private key PEM")
	ca := fs.String("ca", "", "CA PEM that must have issued the peer's certificate")
	n := fs.Int("n", 100, "hold: connections")
	hold := fs.Duration("hold", 3*time.Second, "hold: how long connections stay idle after the OPTIONS")
	life := fs.Duration("life", 60*time.Second, "serve: exit after this long")
	aside := fs.Bool("aside", false, "serve: run each handshake on a goroutine of its own, as edgesim does, so an idle connection keeps only its read loop's stack")
	serverName := fs.String("servername", "sip.skype.lab", "hold: the name the server's certificate must carry")
	conc := fs.Int("c", 4, "calls: calls in flight at once")
	from := fs.String("from", "outside.lab", "calls: the From domain (the bench lab refuses outside.lab with 504 1009)")
	first := fs.Int("first", 0, "flood-part, hold-part: the number of the first connection (it picks the source address)")
	_ = fs.Parse(os.Args[2:])
	if host, _, err := net.SplitHostPort(*addr); err != nil || !net.ParseIP(host).IsLoopback() {
		fatal(fmt.Errorf("address %q: load stays on loopback", *addr))
	}
	if os.Args[1] == "flood-part" { // plain TCP: no certificate to load
		if err := floodPart(*addr, *first, *n); err != nil {
			fatal(err)
		}
		return
	}
	cfg, err := tlsConfig(*cert, *key, *ca)
	if err != nil {
		fatal(err)
	}
	cfg.ServerName = *serverName
	switch os.Args[1] {
	case "serve":
		err = serve(*addr, cfg, *life, *aside)
	case "hold":
		err = holdConns(*addr, tlsFlags{*cert, *key, *ca, *serverName}, *n, *hold)
	case "hold-part":
		err = holdPartMain(*addr, cfg, *first, *n)
	case "calls":
		err = newConnCalls(*addr, cfg, *n, *conc, *from)
	case "flood":
		err = flood(*addr, cfg, *n, *hold)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "mtlsbench:", err)
	os.Exit(1)
}

// tlsConfig is TLS 1.2 only, like the Edge's default sfb2015 profile, so the
// baseline does the same handshake work as edgesim.
func tlsConfig(certFile, keyFile, caFile string) (*tls.Config, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	pemCA, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemCA) {
		return nil, fmt.Errorf("%s: no certificate", caFile)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{pair}, ClientCAs: pool, RootCAs: pool,
		ClientAuth: tls.RequireAndVerifyClientCert,
		MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
	}, nil
}

func serve(addr string, cfg *tls.Config, life time.Duration, aside bool) error {
	ln, err := tls.Listen("tcp", addr, cfg)
	if err != nil {
		return err
	}
	fmt.Println("serving", ln.Addr())
	return serveOn(ln, life, aside)
}

// serveOn answers on ln's connections until life has passed. With aside, each TLS handshake runs on
// a goroutine that ends with it: the plain way (the handshake on the connection's own goroutine)
// leaves that goroutine's stack grown to the handshake's depth for the connection's life.
func serveOn(ln net.Listener, life time.Duration, aside bool) error {
	time.AfterFunc(life, func() { ln.Close() })
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		if !aside {
			go answer(c)
			continue
		}
		go func() {
			if err := handshakeAside(c); err != nil {
				c.Close()
				return
			}
			answer(c)
		}()
	}
}

// handshakeAside runs c's TLS handshake on a goroutine of its own and waits for it.
func handshakeAside(c net.Conn) error {
	tc, ok := c.(*tls.Conn)
	if !ok {
		return nil
	}
	done := make(chan error, 1)
	go func() { done <- tc.Handshake() }()
	return <-done
}

// answer replies to each SIP request on c: 504 to INVITE (the refused
// call), 200 to OPTIONS and BYE, nothing to ACK.
func answer(c net.Conn) {
	defer c.Close()
	r := textproto.NewReader(bufio.NewReader(c))
	for {
		start, hdr, err := readMessage(r)
		if err != nil {
			return
		}
		method, _, _ := strings.Cut(start, " ")
		status := ""
		switch method {
		case "INVITE":
			status = "504 Server time-out"
		case "OPTIONS", "BYE":
			status = "200 OK"
		default:
			continue
		}
		var b strings.Builder
		b.WriteString("SIP/2.0 " + status + "\r\n")
		for _, h := range []string{"Via", "From", "To", "Call-Id", "Cseq"} {
			for _, v := range hdr[h] {
				b.WriteString(h + ": " + v + "\r\n")
			}
		}
		b.WriteString("Server: RTC/6.0\r\nContent-Length: 0\r\n\r\n")
		if _, err := io.WriteString(c, b.String()); err != nil {
			return
		}
	}
}

// readMessage reads one SIP message, discarding its body.
func readMessage(r *textproto.Reader) (string, textproto.MIMEHeader, error) {
	var start string
	for start == "" { // keep-alive CRLFs between messages
		line, err := r.ReadLine()
		if err != nil {
			return "", nil, err
		}
		start = line
	}
	hdr, err := r.ReadMIMEHeader()
	if err != nil {
		return "", nil, err
	}
	if n, _ := strconv.Atoi(hdr.Get("Content-Length")); n > 0 {
		if _, err := io.CopyN(io.Discard, r.R, int64(n)); err != nil {
			return "", nil, err
		}
	}
	return start, hdr, nil
}

// options dials addr from src (nil: the system's choice), sends OPTIONS number i and reads the answer.
func options(addr string, cfg *tls.Config, i int, src net.Addr) (net.Conn, error) {
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second, LocalAddr: src}, "tcp", addr, cfg)
	if err != nil {
		return nil, err
	}
	if err := optionsOn(c, i); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// optionsOn sends OPTIONS number i on c and reads one answer, all within 5 s.
func optionsOn(c net.Conn, i int) error {
	local := c.LocalAddr().String()
	msg := fmt.Sprintf("OPTIONS sip:skype.lab SIP/2.0\r\n"+
		"Via: SIP/2.0/TLS %s;branch=z9hG4bK-hold-%d\r\nMax-Forwards: 70\r\n"+
		"From: <sip:bench@acano.steven.lab>;tag=h%d\r\nTo: <sip:skype.lab>\r\n"+
		"Call-ID: hold-%d@%s\r\nCSeq: 1 OPTIONS\r\nContact: <sip:bench@%s;transport=tls>\r\n"+
		"Content-Length: 0\r\n\r\n", local, i, i, i, local, local)
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, msg); err != nil {
		return err
	}
	start, _, err := readMessage(textproto.NewReader(bufio.NewReader(c)))
	if err != nil {
		return err
	}
	if !strings.HasPrefix(start, "SIP/2.0 ") {
		return fmt.Errorf("answer %q", start)
	}
	return c.SetDeadline(time.Time{})
}
