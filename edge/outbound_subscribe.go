package edge

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/sipstack"
)

// Subscribe is the Skype user watching a federated contact's presence: the same rules as a call
// (docs/edge-behaviour.md §3), then a SUBSCRIBE for Event: presence whose first NOTIFY is awaited.
// With Expires: 0 the far end sends one NOTIFY and ends the subscription, so nothing is left behind.
func (o *Outbound) Subscribe(ctx context.Context, req CallRequest, events func(Step)) CallResult {
	return o.run(ctx, req, "SUBSCRIBE", events, func(_, setup context.Context, a *attempt, r *reached, deadline time.Time) {
		a.res.InviteSent = true
		sent, received := a.narrate(r)
		out, err := r.conn.Subscribe(setup, o.subscribe(a.req, a.res.CallID, a.id), sipstack.SubscribeOptions{
			AnswerTimeout: time.Until(deadline), NotifyWait: time.Until(deadline), OnSent: sent, OnReceived: received})
		if err != nil { // the SUBSCRIBE could not be built: nothing left the Edge
			a.res.InviteSent = false
			a.res.Error = err.Error()
			return
		}
		for _, n := range out.Notifies {
			a.res.Notify = append(a.res.Notify, n.Body)
		}
		o.decideAnswer(a, r, answerOf(out.Kind, out.Final, out.Err, out.ConnErr), "", out.Err)
	})
}

// Subscribe watches a federated contact's presence with the lab's configuration and Edge log.
func (l *Lab) Subscribe(ctx context.Context, req CallRequest, events func(Step)) CallResult {
	return (&Outbound{Lab: l, Logger: zerolog.Nop()}).Subscribe(ctx, req, events)
}
