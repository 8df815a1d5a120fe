package rawio

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// pair is a real loopback TCP connection: the accepted end wrapped, the dialled end plain.
func pair(t *testing.T) (wrapped, peer net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	peer, err = net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	wrapped = Conn(c)
	t.Cleanup(func() { _ = wrapped.Close(); _ = peer.Close() })
	return wrapped, peer
}

func TestConnCarriesBytesBothWays(t *testing.T) {
	c, peer := pair(t)
	// More than the socket buffers hold: the write must wait for the reader, in the poller.
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<19)
	got := make(chan []byte, 1)
	go func() { b, _ := io.ReadAll(io.LimitReader(peer, int64(len(big)))); got <- b }()
	if n, err := c.Write(big); err != nil || n != len(big) {
		t.Fatalf("write: %d %v", n, err)
	}
	if b := <-got; !bytes.Equal(b, big) {
		t.Fatalf("the peer read %d bytes, not the %d written", len(b), len(big))
	}
	if _, err := peer.Write([]byte("INVITE")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	if n, err := c.Read(buf); err != nil || string(buf[:n]) != "INVITE" {
		t.Fatalf("read: %q %v", buf[:n], err)
	}
	_ = peer.Close()
	if _, err := c.Read(buf); err != io.EOF {
		t.Fatalf("read after the peer closed: %v, want EOF", err)
	}
}

func TestConnDeadlinesAndCloseReadAsNetDoes(t *testing.T) {
	c, _ := pair(t)
	_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err := c.Read(make([]byte, 8))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read past the deadline: %v, want a timeout", err)
	}
	done := make(chan error, 1)
	_ = c.SetReadDeadline(time.Time{})
	go func() { _, err := c.Read(make([]byte, 8)); done <- err }()
	time.Sleep(20 * time.Millisecond)
	_ = c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("read on a closed connection: %v, want net.ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a read waiting in the poller did not end with Close")
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write on a closed connection: %v, want net.ErrClosed", err)
	}
}

func TestFileWriterAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "edge.log")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	w := FileWriter(f)
	for _, s := range []string{"first record\n", "second record\n"} {
		if n, err := w.Write([]byte(s)); err != nil || n != len(s) {
			t.Fatalf("write: %d %v", n, err)
		}
	}
	_ = f.Close()
	if _, err := w.Write([]byte("late")); err == nil {
		t.Fatal("a write to a closed file succeeded")
	}
	if b, _ := os.ReadFile(path); string(b) != "first record\nsecond record\n" {
		t.Fatalf("file holds %q", b)
	}
}

// A message's read and write allocate nothing: they run on every SIP message the Edge carries.
func TestConnReadsAndWritesWithoutAllocating(t *testing.T) {
	c, peer := pair(t)
	go func() { _, _ = io.Copy(peer, peer) }() // the peer echoes
	msg, buf := []byte("OPTIONS sip:x SIP/2.0"), make([]byte, 64)
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf[:len(msg)]); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per write and read, want 0", allocs)
	}
	if n, err := c.Write(nil); n != 0 || err != nil {
		t.Fatalf("an empty write: %d %v", n, err)
	}
}
