package sipstack

import (
	"crypto/tls"
	"errors"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// flakyListener fails its first n accepts with EMFILE, as accept(2) does when descriptors run out.
type flakyListener struct {
	net.Listener
	fails atomic.Int32
}

func (f *flakyListener) Accept() (net.Conn, error) {
	if f.fails.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return f.Listener.Accept()
}

func listenFlaky(t *testing.T, fails int32) (*flakyListener, *tlsListener) {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &flakyListener{Listener: inner}
	f.fails.Store(fails)
	l := newTLSListener(f, &tls.Config{}, time.Second, time.Second, newConnLimiter(0, 0, zerolog.Nop()), zerolog.Nop())
	t.Cleanup(func() { _ = l.Close() })
	return f, l
}

// "too many open files" is temporary: Accept waits it out and hands on the next real connection,
// where sipgo's accept loop would have stopped for good on the error.
func TestAcceptSurvivesTemporaryErrors(t *testing.T) {
	_, l := listenFlaky(t, 5)
	dialed := make(chan net.Conn, 1)
	go func() {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Error(err)
		}
		dialed <- c
	}()
	type result struct {
		c   net.Conn
		err error
	}
	got := make(chan result, 1)
	go func() { c, err := l.Accept(); got <- result{c, err} }()
	select {
	case r := <-got:
		if r.err != nil {
			t.Fatalf("Accept gave up on a temporary error: %v", r.err)
		}
		_ = r.c.Close()
	case <-time.After(10 * time.Second):
		t.Fatal("Accept did not return")
	}
	if c := <-dialed; c != nil {
		_ = c.Close()
	}
}

// Closing the listener ends a backoff at once with net.ErrClosed, so a shutdown is not held up.
func TestAcceptBackoffEndsOnClose(t *testing.T) {
	_, l := listenFlaky(t, 1<<30)
	got := make(chan error, 1)
	go func() { _, err := l.Accept(); got <- err }()
	time.Sleep(50 * time.Millisecond) // let it enter the backoff; correctness does not depend on it
	_ = l.Close()
	select {
	case err := <-got:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Accept still backing off after Close")
	}
}

func TestTemporaryAcceptError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&net.OpError{Op: "accept", Err: os.NewSyscallError("accept4", syscall.EMFILE)}, true},
		{&net.OpError{Op: "accept", Err: os.NewSyscallError("accept4", syscall.ENFILE)}, true},
		{net.ErrClosed, false},
		{&net.OpError{Op: "accept", Err: net.ErrClosed}, false},
		{errors.New("something else"), false},
	} {
		if got := temporaryAcceptError(tc.err); got != tc.want {
			t.Errorf("temporaryAcceptError(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
