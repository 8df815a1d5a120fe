package regress

import (
	"net"
	"slices"
	"testing"
	"time"
)

// openConns sees a connection on the port from accept until the peer has closed its end too:
// after the local side closes, it stays (FIN_WAIT2) while the peer holds it open.
func TestOpenConnsFollowsThePeersClose(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	peer, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	mine, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	_ = ln.Close()
	want := "ESTABLISHED " + peer.LocalAddr().String()
	if got := mustOpenConns(t, port); !slices.Contains(got, want) {
		t.Fatalf("open on %d: %q, want %q", port, got, want)
	}
	_ = mine.Close()
	if got := waitOpenConns(t, port, func(s []string) bool { return slices.Contains(s, "FIN_WAIT2 "+peer.LocalAddr().String()) }); got != nil {
		t.Fatalf("after the local close, want FIN_WAIT2 while the peer holds its end: %q", got)
	}
	_ = peer.Close()
	if got := waitOpenConns(t, port, func(s []string) bool { return len(s) == 0 }); got != nil {
		t.Fatalf("after the peer's close nothing should be open on %d: %q", port, got)
	}
}

func mustOpenConns(t *testing.T, port int) []string {
	t.Helper()
	s, err := openConns(port)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// waitOpenConns polls until ok holds (nil) or two seconds pass (the last listing).
func waitOpenConns(t *testing.T, port int, ok func([]string) bool) []string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		s := mustOpenConns(t, port)
		if ok(s) {
			return nil
		}
		if time.Now().After(deadline) {
			return append(s, "(timed out)")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
