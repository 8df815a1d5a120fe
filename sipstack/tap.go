package sipstack

import (
	"crypto/tls"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Tap hears the bytes of every connection it is given, for recording and capture. It is optional:
// nil costs nothing. Its methods run on the connection's own goroutines and must not block.
type Tap interface {
	// Open is called once the TCP connection exists, before the TLS handshake; a nil ConnTap skips it.
	Open(local, remote netip.AddrPort, inbound bool, t time.Time) ConnTap
}

// ConnTap hears one connection. The byte slices are the caller's: copy what you keep.
type ConnTap interface {
	Wire(out bool, t time.Time, b []byte)  // TCP payload as it crossed the socket, TLS records and alerts included
	Plain(out bool, t time.Time, b []byte) // the SIP text inside TLS
	// Outgoing bytes are heard just before they are written, so nothing the peer answers comes first.
	Handshake(cs tls.ConnectionState, took time.Duration, err error)
	Closed(t time.Time)
}

// tapConn sits under TLS, so the handshake and any alert are heard as they crossed the wire.
type tapConn struct {
	net.Conn
	tap  ConnTap
	once sync.Once
}

func (c *tapConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.tap.Wire(false, time.Now(), b[:n])
	}
	return n, err
}

// Write is heard before it is written, so that a record never shows the peer's answer ahead of it.
func (c *tapConn) Write(b []byte) (int, error) {
	c.tap.Wire(true, time.Now(), b)
	return c.Conn.Write(b)
}

func (c *tapConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.tap.Closed(time.Now()) })
	return err
}

// tapped wraps a fresh TCP connection when t is set; otherwise c comes back as it was.
func tapped(t Tap, c net.Conn, inbound bool) (net.Conn, ConnTap) {
	if t == nil {
		return c, nil
	}
	la, _ := c.LocalAddr().(*net.TCPAddr)
	ra, _ := c.RemoteAddr().(*net.TCPAddr)
	if la == nil || ra == nil {
		return c, nil
	}
	ct := t.Open(la.AddrPort(), ra.AddrPort(), inbound, time.Now())
	if ct == nil {
		return c, nil
	}
	return &tapConn{Conn: c, tap: ct}, ct
}

// plainTap hears the SIP text of an outbound call's connection.
type plainTap struct {
	net.Conn
	tap ConnTap
}

func (c *plainTap) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.tap.Plain(false, time.Now(), b[:n])
	}
	return n, err
}

func (c *plainTap) Write(b []byte) (int, error) {
	c.tap.Plain(true, time.Now(), b)
	return c.Conn.Write(b)
}

// plain is the connection sipgo reads and writes SIP text on, tapped when the dial was.
func (c *PeerConn) plain() net.Conn {
	if c.tap == nil {
		return c.conn
	}
	return &plainTap{Conn: c.conn, tap: c.tap}
}
