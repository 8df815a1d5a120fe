package sipstack

import (
	"context"
	"errors"
	"fmt"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// route sets where an in-dialog request of the Edge's goes: the live connection to the peer while
// it exists; once it is gone, a new one to the dialog's next hop (RFC 3261 §12.2.1.1: the route
// set's first entry, else the remote target), opened by CallOptions.Redial. Never the peer's
// source port, which nothing listens on once its connection is closed.
func (cc *clientCall) route(ctx context.Context, req *sip.Request) error {
	if cc.wc.err() == nil {
		req.SetDestination(cc.dst)
		return nil
	}
	if cc.opts.Redial == nil {
		return fmt.Errorf("the connection to %s is gone: %w", cc.dst, cc.wc.err())
	}
	hop, err := hopOf(cc.routeSet(), cc.target)
	if err != nil {
		return err
	}
	pc, err := cc.opts.Redial(ctx, hop)
	if err != nil {
		return fmt.Errorf("new connection to %s: %w", hop, err)
	}
	wc, err := cc.att.adopt(ctx, pc)
	if err != nil {
		return fmt.Errorf("new connection to %s: %w", hop, err)
	}
	cc.wc, cc.dst = wc, pc.conn.RemoteAddr().String()
	req.SetDestination(cc.dst)
	return nil
}

// routeSet is the UAC's route set: the 2xx's Record-Route entries in reverse order (RFC 3261
// §12.1.2), the Edge's own already dropped.
func (cc *clientCall) routeSet() []string {
	cc.mu.Lock()
	res := cc.sess.InviteResponse
	cc.mu.Unlock()
	var rr []string
	for _, h := range res.GetHeaders("record-route") {
		rr = append(rr, splitRoutes(h.Value())...)
	}
	for i, j := 0, len(rr)-1; i < j; i, j = i+1, j-1 {
		rr[i], rr[j] = rr[j], rr[i]
	}
	return rr
}

// adopt hands a new connection to the call's user agent, which then reads it (the peer may send
// its BYE there too) and sends on it; it is closed with the call's own.
func (a *attached) adopt(ctx context.Context, pc *PeerConn) (*watchedConn, error) {
	wc := &watchedConn{Conn: pc.plain()}
	if err := a.ln.Hand(ctx, wc, true); err != nil {
		_ = pc.Close()
		return nil, err
	}
	a.mu.Lock()
	a.conns = append(a.conns, wc)
	a.mu.Unlock()
	return wc, nil
}

var errNoOwner = errors.New("the far end presented no certificate")

// hearListener lets the Edge's listener (CallOptions.Listener) take the far end's BYE on a new
// connection for this call; the returned func stops that.
func (cc *clientCall) hearListener(sess *sipgo.DialogClientSession) func() {
	l := cc.opts.Listener
	if l == nil {
		return func() {}
	}
	var owner []byte
	if cs := cc.conn.State(); len(cs.PeerCertificates) > 0 {
		owner = cs.PeerCertificates[0].Raw
	}
	if owner == nil {
		cc.conn.cfg.Logger.Debug().Err(errNoOwner).Msg("no BYE on a new connection for this call")
		return func() {}
	}
	from := sess.InviteRequest.From()
	tag, _ := from.Params.Get("tag")
	return l.adoptCall(sess.InviteRequest, tag, owner, func(m *Message) {
		cc.opts.OnReceived(m)
		cc.peerHungUp()
	})
}

// sendIM sends the call's text as a MESSAGE in the dialog, bounded like a BYE.
func (cc *clientCall) sendIM(ctx context.Context, sess *sipgo.DialogClientSession, target sip.Uri, out *Outcome) {
	m := sip.NewRequest(sip.MESSAGE, *target.Clone())
	cc.addVia(m)
	m.AppendHeader(sip.NewHeader("Content-Type", "text/plain; charset=UTF-8"))
	m.SetBody([]byte(cc.opts.IM))
	mctx, cancel := context.WithTimeout(ctx, cc.opts.ByeTimeout)
	defer cancel()
	if err := cc.route(mctx, m); err != nil {
		out.Err = fmt.Errorf("MESSAGE: %w", err)
		return
	}
	res, err := sess.Do(mctx, m)
	cc.opts.OnSent(MessageOf(m))
	if err != nil {
		out.Err = fmt.Errorf("MESSAGE: %w", err)
		return
	}
	cc.opts.OnReceived(MessageOf(res))
	out.IMStatus = res.StatusCode
}

// onBye takes the peer hanging up; a BYE for any other dialog is not ours.
func (cc *clientCall) onBye(req *sip.Request, tx sip.ServerTransaction) {
	cc.mu.Lock()
	sess := cc.sess
	cc.mu.Unlock()
	if sess == nil || req.CallID() == nil || req.CallID().Value() != sess.InviteRequest.CallID().Value() {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		return
	}
	cc.opts.OnReceived(MessageOf(req))
	if err := sess.ReadBye(req, tx); err == nil {
		cc.peerHungUp()
	}
}

func (cc *clientCall) peerHungUp() { cc.byeOnce.Do(func() { close(cc.peerBye) }) }
