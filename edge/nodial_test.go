package edge

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
)

// trapListener counts connections made to it: nothing should ever connect.
func trapListener(t *testing.T) (port int, dialed *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	dialed = &atomic.Int32{}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			dialed.Add(1)
			_ = c.Close()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, dialed
}

// A request (or an ACK) whose connection is gone before the answer must not make the Edge connect to
// whatever its top Via names (RFC 3261 §18.2.2: reliable transports answer on the delivering
// connection). The peer writes and closes at once, many times over, so that sipgo meets the closed
// connection on at least some of them; before the fix the trap saw the Edge's TLS dials.
func TestResponsesNeverDialTheVia(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect))
	port, dialed := trapListener(t)
	cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	for i := range 40 {
		method := "OPTIONS"
		if i%2 == 1 {
			method = "ACK"
		}
		c := e.rawTLS(cert)
		msg := fmt.Sprintf("%s sip:stejanss@skype.lab SIP/2.0\r\n"+
			"Via: SIP/2.0/TLS 127.0.0.1:%d;branch=z9hG4bKtrap%d\r\n"+
			"From: <sip:2000@acano.steven.lab>;tag=t%d\r\nTo: <sip:stejanss@skype.lab>\r\n"+
			"Call-ID: trap-%d\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", method, port, i, i, i, method)
		_, _ = io.WriteString(c, msg)
		_ = c.Close()
	}
	// The Edge's handling of those requests is over once its log has them all or a bound passes.
	time.Sleep(500 * time.Millisecond)
	if n := dialed.Load(); n != 0 {
		t.Errorf("the Edge dialed the Via address %d times", n)
	}
	if strings.Contains(e.logs.String(), "Creating server connection") {
		t.Errorf("the Edge tried to open a server connection:\n%s", e.logs.String())
	}
	res := e.call(e.peer(cert), seedFrom, seedTo)
	if !res.Answered {
		t.Errorf("a good call afterwards failed: %v", res.Final)
	}
}
