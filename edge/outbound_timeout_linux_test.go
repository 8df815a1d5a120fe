//go:build linux

package edge

import (
	"errors"
	"net"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// fullBacklog listens with a backlog of zero and fills it with one connection nobody accepts:
// Linux then drops further SYNs, so a connect times out exactly as to a silent host.
func fullBacklog(t *testing.T) uint16 {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	port := uint16(sa.(*syscall.SockaddrInet4).Port)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port)))
	for range 8 {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return port
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return port
			}
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
	}
	t.Skip("the kernel accepted every connection into a zero backlog; no connect timeout to provoke")
	return 0
}

func TestOutboundConnectTimeout(t *testing.T) {
	port := fullBacklog(t)
	o := newOutLab(t).open(cmsZone("vcse.cms.steven.lab", port))
	// WSAETIMEDOUT says the connect timed out within the call's 1s; the 10s bound only stops a hang.
	r := callWithin(t, o, "sip:2000@cms.steven.lab", time.Second, 10*time.Second)
	want := `ms-diagnostics: 1046;reason="Failed to connect to a federated peer server";fqdn="vcse.cms.steven.lab:` +
		strconv.Itoa(int(port)) + `";WinsockFailureCode="10060(WSAETIMEDOUT)";source="sip.skype.lab"`
	if got := diagOf(r); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}
