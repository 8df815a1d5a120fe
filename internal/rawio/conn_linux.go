// Package rawio reads and writes the Edge's sockets and its Edge log with raw system calls, for the
// reason Conn gives. Everything it wraps behaves as before to its callers.
package rawio

import (
	"io"
	"net"
	"os"
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
	return &rawSock{TCPConn: tc, rc: rc}
}

type rawSock struct {
	*net.TCPConn
	rc syscall.RawConn
}

func (s *rawSock) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	var n int
	var errno syscall.Errno
	err := s.rc.Read(func(fd uintptr) bool {
		for {
			r, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
			switch e {
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				return false
			}
			n, errno = int(r), e
			return true
		}
	})
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
	done, errno, err := writeAll(s.rc, b)
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
	return &rawFile{f: f, rc: rc}
}

type rawFile struct {
	f  *os.File
	rc syscall.RawConn
}

func (w *rawFile) Write(b []byte) (int, error) {
	done, errno, err := writeAll(w.rc, b)
	switch {
	case err != nil:
		return done, &os.PathError{Op: "write", Path: w.f.Name(), Err: err}
	case errno != 0:
		return done, &os.PathError{Op: "write", Path: w.f.Name(), Err: errno}
	}
	return done, nil
}

// writeAll writes all of b through rc, a raw write at a time. A socket that cannot take more
// (EAGAIN) makes rc wait in the poller for the rest; a regular file never says so.
func writeAll(rc syscall.RawConn, b []byte) (done int, errno syscall.Errno, err error) {
	err = rc.Write(func(fd uintptr) bool {
		for done < len(b) {
			r, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&b[done])), uintptr(len(b)-done))
			switch e {
			case 0:
				done += int(r)
			case syscall.EINTR:
			case syscall.EAGAIN:
				return false
			default:
				errno = e
				return true
			}
		}
		return true
	})
	return done, errno, err
}
