package edge

import (
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
)

// The Edge reads with a buffer far smaller than edge.max_message_bytes (sipstack.ReadBufferSize), so a
// message larger than one read (60 KiB: several TLS records, whatever the buffer), or one that
// arrives a byte at a time, must still be reassembled whole.
func TestMessageLargerThanOneReadIsAnswered(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect))
	p := e.rawPeer(t, e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}))
	pad := "X-Pad: " + strings.Repeat("p", 60*1024) + "\r\n"
	p.send(rawInvite("From: <sip:2000@outside.lab>;tag=1\r\n", pad, ""))
	if r := p.response(200, "1 INVITE", 5*time.Second); r == nil || r.StatusCode != 504 {
		t.Fatalf("a 60 KiB INVITE got %v, want the 504 of its refusal", r)
	}
}

func TestMessageSentAByteAtATimeIsAnswered(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect))
	p := e.rawPeer(t, e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}))
	msg := rawInvite("From: <sip:2000@outside.lab>;tag=1\r\n", "", "")
	for i := range len(msg) {
		p.send(msg[i : i+1]) // one TLS record, and so one read at the Edge, per byte
	}
	if r := p.response(200, "1 INVITE", 5*time.Second); r == nil || r.StatusCode != 504 {
		t.Fatalf("an INVITE sent a byte at a time got %v, want the 504 of its refusal", r)
	}
}
