// Package rawio reads and writes the Edge's sockets and its Edge log with raw system calls, for the
// reason Conn gives. Everything it wraps behaves as before to its callers.
package rawio

import (
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"unsafe"
)

// Conn reads and writes an accepted TCP connection with raw system calls on its non-blocking
// socket, through the runtime's poller as net.TCPConn does. net.TCPConn enters each read and
// write as a blocking system call, and entering one while every processor is idle wakes the
// runtime's monitor thread: on a connection carrying a call every few milliseconds that was two
// thread wake-ups per call, measured as context switches under SIPp (bench/sipp.sh), more than
// SIPp's whole process. A non-blocking socket's read and write return at once, which is what a raw
// system call is for; a socket that would block waits in the poller, deadlines included.
func Conn(c net.Conn) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	return &rawSock{TCPConn: tc, in: newRawOp(rc, syscall.SYS_READ), out: newRawOp(rc, syscall.SYS_WRITE)}
}

type rawSock struct {
	*net.TCPConn
	in, out *rawOp
}

func (s *rawSock) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, errno, err := s.in.do(b)
	switch {
	case err != nil:
		return 0, s.opError("read", err)
	case errno != 0:
		return 0, s.opError("read", os.NewSyscallError("read", errno))
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

func (s *rawSock) Write(b []byte) (int, error) {
	done, errno, err := s.out.do(b)
	switch {
	case err != nil:
		return done, s.opError("write", err)
	case errno != 0:
		return done, s.opError("write", os.NewSyscallError("write", errno))
	}
	return done, nil
}

// opError wraps err as net.TCPConn would, so callers' checks (timeouts, net.ErrClosed) hold.
func (s *rawSock) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: s.LocalAddr(), Addr: s.RemoteAddr(), Err: err}
}

// FileWriter writes f, a regular file, with raw system calls: os.File enters each write as a
// blocking call, and the Edge log is written once per refused call (the same wake-up as above). A
// write to a regular file returns once the kernel holds the bytes, so the durability is the same.
func FileWriter(f *os.File) io.Writer {
	rc, err := f.SyscallConn()
	if err != nil {
		return f
	}
	return &rawFile{f: f, out: newRawOp(rc, syscall.SYS_WRITE)}
}

type rawFile struct {
	f   *os.File
	out *rawOp
}

func (w *rawFile) Write(b []byte) (int, error) {
	done, errno, err := w.out.do(b)
	switch {
	case err != nil:
		return done, &os.PathError{Op: "write", Path: w.f.Name(), Err: err}
	case errno != 0:
		return done, &os.PathError{Op: "write", Path: w.f.Name(), Err: errno}
	}
	return done, nil
}

// rawOp is one direction of raw system calls on a descriptor: a read returns what one read gives,
// a write writes all of b, waiting in the poller when the descriptor cannot take more (EAGAIN;
// a regular file never says so). Its callback is made once: a closure per call, handed to the
// RawConn, went to the heap with everything it captured, four allocations a message.
type rawOp struct {
	mu    sync.Mutex // the callback's state; tls.Conn and the Edge log serialise their calls already
	rc    syscall.RawConn
	trap  uintptr
	fn    func(fd uintptr) bool
	b     []byte
	done  int
	errno syscall.Errno
}

func newRawOp(rc syscall.RawConn, trap uintptr) *rawOp {
	o := &rawOp{rc: rc, trap: trap}
	o.fn = o.step
	return o
}

func (o *rawOp) do(b []byte) (int, syscall.Errno, error) {
	if len(b) == 0 {
		return 0, 0, nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.b, o.done, o.errno = b, 0, 0
	var err error
	if o.trap == syscall.SYS_READ {
		err = o.rc.Read(o.fn)
	} else {
		err = o.rc.Write(o.fn)
	}
	done, errno := o.done, o.errno
	o.b = nil // the caller's buffer is not kept
	return done, errno, err
}

// step is the RawConn callback: false asks the poller to wait until the descriptor is ready.
func (o *rawOp) step(fd uintptr) bool {
	for {
		rest := o.b[o.done:]
		r, _, e := syscall.RawSyscall(o.trap, fd, uintptr(unsafe.Pointer(&rest[0])), uintptr(len(rest)))
		switch e {
		case 0:
			o.done += int(r)
			if o.trap == syscall.SYS_READ || o.done == len(o.b) || r == 0 {
				return true
			}
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			o.errno = e
			return true
		}
	}
}
