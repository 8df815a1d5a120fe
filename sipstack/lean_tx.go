package sipstack

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// leanTx is a server transaction of the Edge's own for a request that came over one of its TLS
// connections: the states and answers of sipgo's server transaction on a reliable transport
// (RFC 3261 §17.2 with RFC 6026's Accepted state; no retransmission timers, Timer I and J zero),
// without its per-transaction goroutine, FSM and timers. Its answers go out on the delivering
// connection, byte for byte as sipgo would write them.
type leanTx struct {
	p      *leanPath
	ec     *edgeConn
	origin *sip.Request
	key    string // in p's table under this key; "" when it never is (ACK, BYE, CANCEL)
	invite bool

	mu       sync.Mutex
	state    txState
	last     *sip.Response // the latest answer, repeated to a retransmitted request
	trying   *time.Timer   // the automatic 100 Trying (RFC 3261 §17.2.1), INVITE only
	acks     chan *sip.Request
	done     chan struct{}
	err      error
	onTerm   []sip.FnTxTerminate
	onCancel []sip.FnTxCancel
	cancel   *sip.Request // a CANCEL seen before any final answer
	awaiting bool         // the handler waits for the ACK (awaitAck): kept past its return
	heldWork bool         // counted in the server's in-flight work until it ends
	onReader bool         // its handler runs on the connection's reader: the decision must not wait
	later    bool         // the decision would have waited: run the handler again on a worker
}

type txState uint8

const (
	txProceeding txState = iota // no final answer yet (non-INVITE: Trying and Proceeding alike)
	txCompleted                 // a final non-2xx answer to an INVITE, waiting for its ACK
	txAccepted                  // a 2xx answer to an INVITE
	txTerminated
)

// timer1xx is sipgo's: a 100 Trying goes out when the handler has said nothing this long.
const timer1xx = 200 * time.Millisecond

func newLeanTx(p *leanPath, ec *edgeConn, req *sip.Request) *leanTx {
	tx := &leanTx{p: p, ec: ec, origin: req, invite: req.IsInvite(), done: make(chan struct{})}
	if tx.invite {
		// Unbuffered: the ACK reaches a handler waiting for it, and is never kept for none (a
		// refused INVITE's transaction waits AckTimeout in the queue; 5,000 a second kept 25,000 ACKs).
		tx.acks = make(chan *sip.Request)
	}
	return tx
}

// startTrying arms the automatic 100 Trying of an INVITE whose handler may take a while.
func (tx *leanTx) startTrying() {
	tx.mu.Lock()
	tx.trying = time.AfterFunc(timer1xx, func() {
		tx.mu.Lock()
		origin, waiting := tx.origin, tx.state == txProceeding && tx.last == nil
		tx.mu.Unlock()
		if waiting {
			_ = tx.Respond(sip.NewResponseFromRequest(origin, 100, "Trying", nil))
		}
	})
	tx.mu.Unlock()
}

func (tx *leanTx) stopTryingLocked() {
	if tx.trying != nil {
		tx.trying.Stop()
		tx.trying = nil
	}
}

// Respond sends res if the transaction's state lets it go, as sipgo's FSM does: provisional answers
// until a final one; after a 2xx only further 2xx; after a non-2xx nothing.
func (tx *leanTx) Respond(res *sip.Response) error {
	tx.mu.Lock()
	tx.stopTryingLocked()
	switch {
	case tx.state == txTerminated:
		err := tx.err
		tx.mu.Unlock()
		return err
	case tx.state == txCompleted, tx.state == txAccepted && !res.IsSuccess():
		tx.mu.Unlock()
		return nil
	}
	if tx.invite && !res.IsProvisional() {
		tx.state = txCompleted
		if res.IsSuccess() {
			tx.state = txAccepted
		}
	}
	tx.last = res
	err := tx.write(res)
	final := !tx.invite && !res.IsProvisional()
	tx.mu.Unlock()
	if err != nil {
		tx.terminate(fmt.Errorf("%w. %w", err, sip.ErrTransactionTransport))
		return tx.Err()
	}
	if final {
		tx.terminate(sip.ErrTransactionTerminated) // Timer J is zero on a reliable transport
	}
	return nil
}

// write puts res on the delivering connection as one write, the way sipgo's WriteMsg does.
func (tx *leanTx) write(res *sip.Response) error {
	buf := writeBufs.Get().(*bytes.Buffer)
	defer writeBufs.Put(buf)
	buf.Reset()
	res.StringWrite(buf)
	n, err := tx.ec.Write(buf.Bytes())
	if err != nil {
		return fmt.Errorf("conn %s write err=%w", tx.ec.RemoteAddr(), err)
	}
	if n != buf.Len() {
		return errors.New("fail to write full message")
	}
	return nil
}

var writeBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// retransmitted answers a copy of the request with the latest answer, as sipgo does in Proceeding
// and Completed; in Accepted the copy is the TU's (the Edge's retransmission handling), and sipgo's
// transaction on a TLS connection is gone by then too.
func (tx *leanTx) retransmitted() {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.last == nil || tx.state == txAccepted || tx.state == txTerminated {
		return
	}
	if err := tx.write(tx.last); err != nil {
		tx.ec.l.log.Debug().Err(err).Msg("could not repeat the answer")
	}
}

// acked takes the ACK of a non-2xx final answer: the transaction is confirmed and, Timer I being
// zero, over. It reports false for an ACK this transaction does not take.
func (tx *leanTx) acked(ack *sip.Request) bool {
	tx.mu.Lock()
	if tx.state != txCompleted {
		tx.mu.Unlock()
		return false
	}
	tx.mu.Unlock()
	select {
	case tx.acks <- ack:
	default:
	}
	tx.terminate(sip.ErrTransactionTerminated)
	return true
}

// cancelled takes a CANCEL of this INVITE (its 200 is the caller's): before a final answer the
// INVITE is answered 487, as sipgo's transaction does, and the handler hears of it.
func (tx *leanTx) cancelled(req *sip.Request) {
	tx.mu.Lock()
	if tx.state != txProceeding || tx.cancel != nil {
		tx.mu.Unlock()
		return
	}
	tx.cancel = req
	fns, origin := tx.onCancel, tx.origin
	tx.mu.Unlock()
	for _, f := range fns {
		f(req)
	}
	_ = tx.Respond(sip.NewResponseFromRequest(origin, 487, "Request Terminated", nil))
}

// awaitAck is the handler's wish to keep the transaction of its non-2xx answer until the ACK
// (RFC 3261 §17.2.1) without waiting itself. Like the handler it replaces, the transaction counts as
// in-flight work: a graceful stop lets it end before closing the connection under it. The caller is
// a tracked handler, so the work count is above zero and Close's Wait has not returned.
func (tx *leanTx) awaitAck() {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.awaiting || tx.state != txCompleted {
		return
	}
	tx.awaiting, tx.heldWork = true, true
	tx.p.s.work.Add(1)
}

// handlerReturned ends the transaction as sipgo's server does once a handler returns over a
// reliable transport, except an INVITE whose handler awaits the ACK of its non-2xx answer: that
// one stays so that a copy of the INVITE gets the same answer and the ACK is absorbed, until
// AckTimeout.
func (tx *leanTx) handlerReturned() {
	tx.mu.Lock()
	waiting := tx.awaiting && tx.state == txCompleted
	tx.mu.Unlock()
	if waiting {
		tx.p.acks.add(tx) // an ACK first ends it; the queue's ending is then a no-op
		return
	}
	tx.terminate(sip.ErrTransactionTerminated)
}

func (tx *leanTx) terminate(err error) {
	tx.mu.Lock()
	if tx.state == txTerminated {
		tx.mu.Unlock()
		return
	}
	tx.state, tx.err = txTerminated, err
	tx.stopTryingLocked()
	fns, held := tx.onTerm, tx.heldWork
	tx.onTerm, tx.heldWork = nil, false
	// An ended transaction may wait in the ACK queue a while yet (AckTimeout): it keeps no
	// message, or 5,000 refused calls a second would hold 25,000 requests.
	tx.origin, tx.last, tx.cancel = nil, nil, nil
	close(tx.done)
	tx.mu.Unlock()
	if held {
		defer tx.p.s.work.Done()
	}
	if tx.key != "" {
		tx.p.drop(tx)
	}
	for _, f := range fns {
		f(tx.key, err)
	}
}

// Terminate ends the transaction at once.
func (tx *leanTx) Terminate() { tx.terminate(sip.ErrTransactionTerminated) }

func (tx *leanTx) OnTerminate(f sip.FnTxTerminate) bool {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.state == txTerminated {
		return false
	}
	tx.onTerm = append(tx.onTerm, f)
	return true
}

func (tx *leanTx) Done() <-chan struct{} { return tx.done }

func (tx *leanTx) Err() error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return tx.err
}

func (tx *leanTx) Acks() <-chan *sip.Request { return tx.acks }

func (tx *leanTx) OnCancel(f sip.FnTxCancel) bool {
	tx.mu.Lock()
	if tx.state == txTerminated {
		tx.mu.Unlock()
		return false
	}
	if c := tx.cancel; c != nil {
		tx.mu.Unlock()
		f(c)
		return true
	}
	tx.onCancel = append(tx.onCancel, f)
	tx.mu.Unlock()
	return true
}
