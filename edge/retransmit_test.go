package edge

import (
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/scenarios/standin"
)

// Ten copies of one INVITE, 20 ms apart, are one call: every 200 carries the same To tag, and one
// BYE ends the only dialog (RFC 3261 §17.2.1, RFC 6026 §7.1).
func TestInviteRetransmissionsAreOneCall(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect))
	p := e.rawPeer(t, e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}))
	d := &rawDialog{callID: "retrans-1", fromTag: "rt1", cseq: 1}
	inv := d.request("INVITE", "retrans1", 1, standin.DefaultOffer)
	for range 10 {
		p.send(inv)
		time.Sleep(20 * time.Millisecond)
	}
	tags := map[string]int{}
	// The copies' answers are all in flight within the bound; reading stops at the first silence.
	for {
		r := p.response(200, "1 INVITE", time.Second)
		if r == nil {
			break
		}
		tag, _ := r.To().Params.Get("tag")
		tags[tag]++
	}
	if len(tags) != 1 {
		t.Fatalf("200s carry %d To tags %v, want one call", len(tags), tags)
	}
	for tag := range tags {
		d.toTag = tag
	}
	p.send(d.request("ACK", "retrans1ack", 1, ""))
	if n := strings.Count(e.logs.String(), `"call answered"`); n != 1 {
		t.Errorf("%d calls answered, want 1", n)
	}
	if res := p.inDialog(d, "BYE"); res == nil || res.StatusCode != 200 {
		t.Fatalf("BYE: %v, want 200", res)
	}
}

// Until the ACK comes the Edge repeats its 200 (RFC 3261 §13.3.1.4: T1, doubling to T2).
func TestOKIsRetransmittedUntilAck(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect))
	p := e.rawPeer(t, e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}))
	d := &rawDialog{callID: "retrans-2", fromTag: "rt2"}
	first := p.invite(d, "retrans2")
	if first == nil || first.StatusCode != 200 {
		t.Fatalf("INVITE: %v", first)
	}
	again := p.response(200, "1 INVITE", 4*sip.T1)
	if again == nil {
		t.Fatal("the 200 was not retransmitted while no ACK came")
	}
	if a, b := first.To().Value(), again.To().Value(); a != b {
		t.Errorf("retransmitted 200 has To %q, first had %q", b, a)
	}
	d.toTag, _ = first.To().Params.Get("tag")
	p.send(d.request("ACK", "retrans2ack", 1, ""))
	if res := p.inDialog(d, "BYE"); res == nil || res.StatusCode != 200 {
		t.Fatalf("BYE: %v, want 200", res)
	}
}
