package edge

import (
	"context"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/edgesim/edgesim/config"
)

// Stopping the Edge finishes the transactions in flight with a final answer, within the grace period.
func TestCloseFinishesInFlightCalls(t *testing.T) {
	e, p := goodPeerEdge(t, func(c *config.Config) { c.Edge.AnswerDelay = 10 * time.Second })
	type outcome struct {
		status int
		err    error
	}
	got := make(chan outcome, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
		defer cancel()
		res, err := p.Call(ctx, e.request(p, sip.INVITE, seedFrom, seedTo), nil)
		if err != nil {
			got <- outcome{err: err}
			return
		}
		got <- outcome{status: res.Final.StatusCode}
	}()
	time.Sleep(300 * time.Millisecond) // the call is ringing
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	if err := e.svc.Close(ctx); err != nil {
		t.Errorf("close: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("close took %s", d)
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
