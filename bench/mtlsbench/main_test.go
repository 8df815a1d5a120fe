package main

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
)

// TestMain lets the test binary be its own child: holdConns runs os.Args[0] hold-part.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "hold-part" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// lab is a lab CA in a temporary directory, the server's and the peer's files, the flags a child
// needs, and the two TLS configurations built the way main builds them.
type lab struct {
	flags          tlsFlags
	server, client *tls.Config
}

func newLab(t *testing.T) lab {
	t.Helper()
	dir := t.TempDir()
	ca, _, err := certs.EnsureCA(dir, certs.IssuerLab, certs.CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	files := func(name string) (string, string) {
		leaf, err := ca.Issue(certs.LeafRequest{CommonName: name})
		if err != nil {
			t.Fatal(err)
		}
		cert, key, err := leaf.WriteFiles(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return cert, key
	}
	srvCert, srvKey := files("sip.skype.lab")
	peerCert, peerKey := files("vcse.acano.steven.lab")
	l := lab{flags: tlsFlags{cert: peerCert, key: peerKey, ca: ca.CertFile, serverName: "sip.skype.lab"}}
	if l.server, err = tlsConfig(srvCert, srvKey, ca.CertFile); err != nil {
		t.Fatal(err)
	}
	if l.client, err = tlsConfig(peerCert, peerKey, ca.CertFile); err != nil {
		t.Fatal(err)
	}
	l.client.ServerName = "sip.skype.lab"
	return l
}

func listen(t *testing.T, conf *tls.Config) net.Listener {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return ln
}

// Every held connection answers twice, from children holding them, against the baseline server with
// its handshakes on the connection's goroutine and aside.
func TestHoldAgainstTheBaseline(t *testing.T) {
	l := newLab(t)
	for _, aside := range []bool{false, true} {
		ln := listen(t, l.server)
		go func() { _ = serveOn(ln, time.Minute, aside) }()
		if err := holdConns(ln.Addr().String(), l.flags, 30, 50*time.Millisecond); err != nil {
			t.Fatalf("aside %v: %v", aside, err)
		}
	}
}

// A server that answers the first OPTIONS of a connection and then nothing fails the hold: a parked
// connection that no longer answers is not counted as held.
func TestHoldFailsWhenConnectionsStopAnswering(t *testing.T) {
	l := newLab(t)
	ln := listen(t, l.server)
	go acceptEach(ln, func(c net.Conn) {
		r := textproto.NewReader(bufio.NewReader(c))
		if _, hdr, err := readMessage(r); err == nil {
			_, _ = io.WriteString(c, "SIP/2.0 200 OK\r\nVia: "+hdr.Get("Via")+"\r\nContent-Length: 0\r\n\r\n")
		}
		_, _ = io.Copy(io.Discard, c) // reads on, answers nothing more
	})
	err := holdConns(ln.Addr().String(), l.flags, 2, 0)
	if err == nil || !strings.Contains(err.Error(), "0 still answering") {
		t.Fatalf("hold against a server that stopped answering: %v; want 0 still answering", err)
	}
}

// Calls on new connections against the baseline all get their 504; a 200 instead fails the run.
func TestCallsWantTheirRefusal(t *testing.T) {
	l := newLab(t)
	ln := listen(t, l.server)
	go func() { _ = serveOn(ln, time.Minute, false) }()
	if err := newConnCalls(ln.Addr().String(), l.client, 20, 3, "outside.lab"); err != nil {
		t.Fatal(err)
	}
	accepting := listen(t, l.server)
	go acceptEach(accepting, func(c net.Conn) {
		r := textproto.NewReader(bufio.NewReader(c))
		if _, _, err := readMessage(r); err == nil {
			_, _ = io.WriteString(c, "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n")
		}
	})
	err := newConnCalls(accepting.Addr().String(), l.client, 2, 1, "outside.lab")
	if err == nil || !strings.Contains(err.Error(), "status 200, want 504") {
		t.Fatalf("calls answered 200: %v; want the run to fail", err)
	}
}

func acceptEach(ln net.Listener, handle func(net.Conn)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			handle(c)
		}()
	}
}
