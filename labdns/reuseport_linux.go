package labdns

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// reusePort lets one UDP socket per core share the port: with SO_REUSEPORT the kernel
// hashes each client's flow to one of them, so cores answer in parallel
// instead of queueing on one socket's lock and one reading goroutine.
func reusePort(c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	}); err != nil {
		return err
	}
	return serr
}

const reusePortSupported = true
