package edge

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/scenarios/standin"
)

// Stopping the Edge finishes the transactions in flight with a final answer, within the grace period.
func TestCloseFinishesInFlightCalls(t *testing.T) {
	e, p := goodPeerEdge(t, func(c *config.Config) { c.Edge.AnswerDelay = 10 * time.Second })
	inv := e.request(p, sip.INVITE, seedFrom, seedTo)
	inv.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	inv.SetBody([]byte(standin.DefaultOffer))
	type outcome struct {
		status int
		err    error
	}
	ringing := make(chan struct{}) // closed by the response handler when the 180 arrives
	got := make(chan outcome, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
		defer cancel()
		dua := sipgo.DialogUA{Client: p.SIPClient(), ContactHDR: *inv.Contact(), RewriteContact: true}
		sess, err := dua.WriteInvite(ctx, inv)
		if err != nil {
			got <- outcome{err: err}
			return
		}
		defer sess.Close()
		rang := false
		err = sess.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(r *sip.Response) error {
			if r.StatusCode == 180 && !rang {
				rang = true
				close(ringing)
			}
			return nil
		}})
		var dr *sipgo.ErrDialogResponse
		switch {
		case errors.As(err, &dr):
			got <- outcome{status: dr.Res.StatusCode}
		case err != nil:
			got <- outcome{err: err}
		default:
			got <- outcome{status: sess.InviteResponse.StatusCode}
		}
	}()
	select {
	case <-ringing:
	case o := <-got:
		t.Fatalf("the call ended with %d %v before it rang", o.status, o.err)
	case <-time.After(5 * time.Second):
		t.Fatal("no 180 Ringing")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second) // the grace period
	defer cancel()
	if err := e.svc.Close(ctx); err != nil {
		t.Errorf("close: %v", err)
	}
	// Close gives up waiting when the grace period runs out and says so in the process log.
	if logs := e.logs.String(); strings.Contains(logs, "did not finish in time") {
		t.Errorf("close outran the grace period:\n%s", logs)
	}
	select {
	case o := <-got:
		if o.err != nil || o.status != 503 {
			t.Errorf("ringing call ended with %d %v, want 503", o.status, o.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the ringing call got no final answer")
	}
}
