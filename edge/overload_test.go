package edge

import (
	"fmt"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/scenarios/standin"
)

// Past edge.max_transactions a new request is shed with 503 and Retry-After, and the Edge recovers
// by itself once the transactions in flight finish.
func TestOverloadShedsWith503AndRecovers(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect), func(c *config.Config) {
		c.Edge.MaxTransactions = 2
		c.Edge.AnswerDelay = 2 * time.Second // keeps two INVITEs in flight while the third arrives
	})
	cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	var ringing []*rawPeer
	var dialogs []*rawDialog
	for i := range 2 {
		p := e.rawPeer(t, cert)
		d := &rawDialog{callID: fmt.Sprintf("load-%d", i), fromTag: fmt.Sprintf("l%d", i), cseq: 1}
		p.send(d.request("INVITE", fmt.Sprintf("load%d", i), 1, standin.DefaultOffer))
		if r := p.response(180, "1 INVITE", 5*time.Second); r == nil || r.StatusCode != 180 {
			t.Fatalf("call %d: %v, want 180 while ringing", i, r)
		}
		ringing, dialogs = append(ringing, p), append(dialogs, d)
	}
	p := e.rawPeer(t, cert)
	shed := &rawDialog{callID: "load-shed", fromTag: "ls"}
	r := p.invite(shed, "loadshed")
	if r == nil || r.StatusCode != 503 || r.GetHeader("Retry-After") == nil {
		t.Fatalf("third INVITE: %v, want 503 with Retry-After", r)
	}
	waitLog(t, e, "overloaded: answering 503 with Retry-After")
	for i, rp := range ringing {
		r := rp.response(200, "1 INVITE", 5*time.Second)
		if r == nil || r.StatusCode != 200 {
			t.Fatalf("ringing call %d: %v, want 200", i, r)
		}
		dialogs[i].toTag, _ = r.To().Params.Get("tag")
		rp.send(dialogs[i].request("ACK", fmt.Sprintf("loadack%d", i), 1, ""))
	}
	// Back under the bound the shed caller's retry is answered. The ringing handlers give their
	// places back just after their 200 goes out, so a retry may still meet one: retry, bounded.
	pc := e.peer(cert)
	for try := 0; ; try++ {
		res := e.call(pc, seedFrom, seedTo)
		if res.Answered {
			break
		}
		if try == 20 || res.Final == nil || res.Final.StatusCode != 503 {
			t.Fatalf("a call after the load passed: %v, want answered", res.Final)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
