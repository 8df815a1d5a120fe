package edge

import (
	"context"
	"time"

	"github.com/edgesim/edgesim/record"
)

// beginCall starts the attempt record of one outbound call; done hands it the finished result.
func (r *Recorder) beginCall(ctx context.Context, start time.Time) (context.Context, func(CallResult)) {
	ctx, id, dns := r.beginOutbound(ctx)
	return ctx, func(res CallResult) {
		a := &record.Attempt{ID: id, Direction: record.Outbound, Kind: record.KindCall, Start: start, End: time.Now(),
			Peer: res.PeerAddr, PeerName: res.PeerServer, ToDomain: res.Domain, Method: "INVITE", CallID: res.CallID,
			Status: res.Status, Diagnostic: res.DiagnosticCode, ResultCode: res.ResultCode, Trace: res.Trace,
			EdgeLog: res.EdgeLog, Error: res.Error, DNS: dns.list()}
		if u, err := ParseSIPURI(res.From); err == nil {
			a.FromDomain = u.Host
		}
		switch {
		case res.Answered:
			a.Outcome = record.OutcomeAnswered
		case res.Verdict != nil:
			a.Outcome = record.OutcomeRefused
		default:
			a.Outcome = record.OutcomeFailed
		}
		r.endOutbound(a)
	}
}

// beginCheck starts the attempt record of one edgesim check.
func (r *Recorder) beginCheck(ctx context.Context, start time.Time) (context.Context, func(CheckReport)) {
	ctx, id, dns := r.beginOutbound(ctx)
	return ctx, func(rep CheckReport) {
		a := &record.Attempt{ID: id, Direction: record.Outbound, Kind: record.KindCheck, Start: start, End: time.Now(),
			Peer: rep.PeerAddr, PeerName: rep.PeerServer, ToDomain: rep.Domain, Trace: rep.Trace, DNS: dns.list(),
			Outcome: record.OutcomeFailed}
		if rep.Pass {
			a.Outcome = record.OutcomePassed
		}
		r.endOutbound(a)
	}
}
