package sipstack

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Subscribe is a presence SUBSCRIBE the Edge sends for a Skype user watching a federated contact.
type Subscribe struct {
	From, To string // SIP URIs; To is also the Request-URI
	CallID   string // "" → random
	FromTag  string
	Via      string   // the Edge's sent-by, host:port; "" lets sipgo choose
	Contact  string   // the watcher's Contact
	Headers  []Header // Event, Accept, Supported, Proxy-Require … in order
	Expires  int      // 0 asks for a one-shot fetch: one NOTIFY, then the subscription ends
}

// SubscribeOptions bound and observe a subscription.
type SubscribeOptions struct {
	AnswerTimeout time.Duration // until the final response; 0: 10s
	NotifyWait    time.Duration // for the first NOTIFY after a 2xx; 0: 5s
	OnSent        func(*Message)
	OnReceived    func(*Message)
}

// SubscribeOutcome is how the subscription went: the final answer and the NOTIFYs that came.
type SubscribeOutcome struct {
	Kind     OutcomeKind // Answered: a 2xx; Rejected, NoAnswer and ConnLost as for a call
	Request  *Message
	Final    *Message
	Notifies []*Message
	Err      error
	ConnErr  error
}

// Subscribe sends the SUBSCRIBE over this connection, answers each NOTIFY 200 and waits for the first
// one. The connection belongs to the subscription and is closed when Subscribe returns.
func (c *PeerConn) Subscribe(ctx context.Context, sub Subscribe, opts SubscribeOptions) (*SubscribeOutcome, error) {
	defer c.Close()
	fillSubscribe(&opts)
	req, err := c.buildSubscribe(sub)
	if err != nil {
		return nil, err
	}
	var (
		hg       HandlerGroup
		mu       sync.Mutex
		notifies []*Message
		first    = make(chan struct{})
		once     sync.Once
	)
	att, err := c.attach(ctx, &hg, func(srv *sipgo.Server) {
		srv.OnNotify(hg.Wrap(func(n *sip.Request, tx sip.ServerTransaction) {
			m := MessageOf(n)
			opts.OnReceived(m)
			_ = tx.Respond(sip.NewResponseFromRequest(n, 200, "OK", nil))
			mu.Lock()
			notifies = append(notifies, m)
			mu.Unlock()
			once.Do(func() { close(first) })
		}))
	})
	if err != nil {
		return nil, err
	}
	defer att.close()
	out := &SubscribeOutcome{Request: MessageOf(req)}
	actx, cancel := context.WithTimeout(ctx, opts.AnswerTimeout)
	defer cancel()
	res, err := att.cli.Do(actx, req) // sipgo adds only what the request lacks
	opts.OnSent(out.Request)
	switch {
	case err != nil && actx.Err() != nil:
		out.Kind, out.Err = OutcomeNoAnswer, fmt.Errorf("%w (%s)", ErrAnswerTimeout, opts.AnswerTimeout)
	case err != nil:
		out.Kind, out.Err, out.ConnErr = OutcomeConnLost, err, att.wc.err()
	case res.StatusCode >= 300:
		opts.OnReceived(MessageOf(res))
		out.Kind, out.Final = OutcomeRejected, MessageOf(res)
	default:
		opts.OnReceived(MessageOf(res))
		out.Kind, out.Final = OutcomeAnswered, MessageOf(res)
		select {
		case <-first:
			// The 200 to the NOTIFY is on the wire, but a far end that reads it after our close may
			// drop it and wait for an answer: let it land before the connection goes.
			time.Sleep(notifyLinger)
		case <-time.After(opts.NotifyWait):
			out.Err = errors.New("no NOTIFY came after the subscription was accepted")
		case <-ctx.Done():
			out.Err = ctx.Err()
		}
	}
	mu.Lock()
	out.Notifies = notifies
	mu.Unlock()
	return out, nil
}

const notifyLinger = 100 * time.Millisecond

func fillSubscribe(o *SubscribeOptions) {
	if o.AnswerTimeout <= 0 {
		o.AnswerTimeout = 10 * time.Second
	}
	if o.NotifyWait <= 0 {
		o.NotifyWait = 5 * time.Second
	}
	if o.OnSent == nil {
		o.OnSent = func(*Message) {}
	}
	if o.OnReceived == nil {
		o.OnReceived = func(*Message) {}
	}
}

func (c *PeerConn) buildSubscribe(sub Subscribe) (*sip.Request, error) {
	req, err := c.buildRequest(sip.SUBSCRIBE, requestLine{From: sub.From, To: sub.To, CallID: sub.CallID, FromTag: sub.FromTag,
		Via: sub.Via, Contact: sub.Contact, Headers: sub.Headers})
	if err != nil {
		return nil, err
	}
	req.AppendHeader(sip.NewHeader("Expires", fmt.Sprint(sub.Expires)))
	req.SetBody(nil)
	return req, nil
}
