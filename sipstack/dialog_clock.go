package sipstack

import (
	"container/heap"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// dialogClock keeps the time of every answered dialog: the 200's retransmissions until the ACK
// (RFC 3261 §13.3.1.4) and the give-up after AckTimeout, then the bounds of an ACKed dialog
// (HangupAfter, DialogIdleTimeout since the peer's last request, DialogConnGrace once its
// connection is gone). A goroutine and four timers per call did this before; most calls end within
// a second, long before any of these times, and one clock for all of them costs a heap entry.
//
// The dialog's state says what is due: requests, ACKs and closes only update it, and the clock
// looks when an entry comes due, so an early entry is harmless.
type dialogClock struct {
	s     *Server
	mu    sync.Mutex
	due   clockHeap
	timer *time.Timer
	armed time.Time // when the timer fires; zero when stopped
}

// clockSlack gathers entries due close together into one firing, so a steady call rate does not
// fire the timer once per call.
const clockSlack = 20 * time.Millisecond

type clockEntry struct {
	at time.Time
	d  *dialog
}

type clockHeap []clockEntry

func (h clockHeap) Len() int           { return len(h) }
func (h clockHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h clockHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *clockHeap) Push(x any)        { *h = append(*h, x.(clockEntry)) }
func (h *clockHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = clockEntry{}
	*h = old[:len(old)-1]
	return e
}

// watch asks the clock to look at d at (or a little after) at.
func (c *dialogClock) watch(d *dialog, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	heap.Push(&c.due, clockEntry{at: at, d: d})
	c.armLocked(at)
}

func (c *dialogClock) armLocked(at time.Time) {
	if !c.armed.IsZero() && !at.Before(c.armed) {
		return
	}
	c.armed = at.Add(clockSlack)
	wait := time.Until(c.armed)
	if c.timer == nil {
		c.timer = time.AfterFunc(wait, c.fire)
		return
	}
	c.timer.Reset(wait)
}

// fire looks at every dialog that is due and watches each again at its next time.
func (c *dialogClock) fire() {
	now := time.Now()
	c.mu.Lock()
	c.armed = time.Time{}
	var due []*dialog
	for c.due.Len() > 0 && !c.due[0].at.After(now) {
		due = append(due, heap.Pop(&c.due).(clockEntry).d)
	}
	c.mu.Unlock()
	for _, d := range due {
		if next := c.s.tick(d, now); !next.IsZero() {
			c.mu.Lock()
			heap.Push(&c.due, clockEntry{at: next, d: d})
			c.mu.Unlock()
		}
	}
	c.mu.Lock()
	if c.due.Len() > 0 {
		c.armLocked(c.due[0].at)
	}
	c.mu.Unlock()
}

// dialogTimes is what the clock keeps of one dialog, under the dialog's mu.
type dialogTimes struct {
	answered time.Time     // the 200 went out
	ok       *sip.Response // the 200, for its retransmissions
	resendAt time.Time
	interval time.Duration
	ackedAt  time.Time // zero until the ACK
	activeAt time.Time // the peer's last request in the dialog
}

// tick does what is due for d at now and says when to look again; zero: never, the dialog is over
// (or the Edge is stopping, which ends every dialog without a BYE).
func (s *Server) tick(d *dialog, now time.Time) time.Time {
	select {
	case <-d.ended:
		return time.Time{}
	case <-s.closed:
		return time.Time{}
	default:
	}
	d.mu.Lock()
	t := &d.times
	if t.ackedAt.IsZero() {
		giveUp := t.answered.Add(s.cfg.AckTimeout)
		if !now.Before(giveUp) {
			d.mu.Unlock()
			s.log.Warn().Str("call_id", LogText(d.invite.CallID().Value())).Msg("no ACK for 200 OK; hanging up")
			s.hangUp(d)
			return time.Time{}
		}
		var resend *sip.Response
		if !now.Before(t.resendAt) {
			resend = t.ok
			if t.interval = 2 * t.interval; t.interval > sip.T2 {
				t.interval = sip.T2
			}
			t.resendAt = now.Add(t.interval)
		}
		next := minTime(t.resendAt, giveUp)
		d.mu.Unlock()
		if resend != nil {
			// Off the clock's goroutine: a peer that stopped reading holds a write up to its timeout,
			// and the clock keeps every other dialog's time. WriteResponse only finds a live
			// connection in the pool; it never dials (see nodial.go).
			go func() {
				if err := s.srv.WriteResponse(resend); err != nil {
					s.log.Debug().Err(err).Msg("200 retransmission failed")
				}
			}()
		}
		return next
	}
	idleAt := t.activeAt.Add(s.cfg.DialogIdleTimeout)
	hangupAt := time.Time{}
	if s.cfg.HangupAfter > 0 {
		hangupAt = t.ackedAt.Add(s.cfg.HangupAfter)
	}
	conn := d.conn
	d.mu.Unlock()
	switch {
	case !hangupAt.IsZero() && !now.Before(hangupAt):
		s.hangUp(d)
		return time.Time{}
	case !now.Before(idleAt):
		s.log.Info().Str("call_id", LogText(d.invite.CallID().Value())).Dur("idle", s.cfg.DialogIdleTimeout).
			Msg("no in-dialog request for edge.dialog_idle_timeout; hanging up")
		s.hangUp(d)
		return time.Time{}
	}
	next := minTime(idleAt, hangupAt)
	if goneAt := conn.goneAt(); !goneAt.IsZero() {
		graceAt := goneAt.Add(s.cfg.DialogConnGrace)
		if !now.Before(graceAt) {
			s.log.Info().Str("call_id", LogText(d.invite.CallID().Value())).Dur("grace", s.cfg.DialogConnGrace).
				Msg("call ended by the Edge: the peer's connection is gone past edge.dialog_conn_grace")
			s.hangUp(d) // over a new connection to the dialog's next hop, where the route allows
			return time.Time{}
		}
		next = minTime(next, graceAt)
	}
	return next
}

// hangUp sends the Edge's BYE off the clock's goroutine (it waits for the answer) and forgets the
// dialog; a stopping Edge waits for it as for any handler.
func (s *Server) hangUp(d *dialog) {
	s.gate.Lock()
	if s.closing.Load() {
		s.gate.Unlock()
		s.forget(d)
		return
	}
	s.work.Add(1)
	s.gate.Unlock()
	go func() {
		defer s.work.Done()
		defer s.forget(d)
		s.sendBye(d)
	}()
}

// dialogsGone has the clock look at the dialogs whose connection just closed once their grace
// has run out: nothing else would bring the time forward.
func (s *Server) dialogsGone(ec *edgeConn, at time.Time) {
	s.dialogs.Range(func(_, v any) bool {
		if d := v.(*dialog); d.current() == ec {
			s.clock.watch(d, at.Add(s.cfg.DialogConnGrace))
		}
		return true
	})
}

// minTime is the earlier of two times, a zero one counting as never.
func minTime(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}
