//go:build !linux

package rawio

import (
	"io"
	"net"
	"os"
)

// Conn is Linux's (conn_linux.go); elsewhere the connection stays as it is.
func Conn(c net.Conn) net.Conn { return c }

// FileWriter is Linux's; elsewhere the file itself.
func FileWriter(f *os.File) io.Writer { return f }
