package edge

import (
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
)

// A peer trickling one byte at a time keeps the idle timer from ever firing; edge.message_timeout
// bounds the whole message instead and the connection is closed.
func TestTrickledMessageIsCutOff(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect), func(c *config.Config) {
		c.Edge.MessageTimeout = 300 * time.Millisecond
		c.Edge.IdleTimeout = time.Minute
	})
	cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	c := e.rawTLS(cert)
	msg := rawInvite("From: <sip:2000@acano.steven.lab>;tag=1\r\n", "", "")
	closed := false
	for i := 0; i < len(msg) && !closed; i++ {
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		if _, err := c.Write([]byte{msg[i]}); err != nil {
			closed = true
			break
		}
		// A short read doubles as the pace: 50 ms between bytes, and it sees the Edge's close.
		_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
			closed = true
		}
	}
	if !closed {
		t.Fatal("the Edge kept a connection that trickled a whole message at one byte per 50 ms")
	}
	waitLog(t, e, "SIP message not complete within edge.message_timeout")
}
