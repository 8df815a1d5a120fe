//go:build !linux

package labdns

import "syscall"

// Elsewhere the lab DNS keeps one UDP socket: it is a lab, and Linux is
// where it is load-tested.
func reusePort(syscall.RawConn) error { return nil }

const reusePortSupported = false
