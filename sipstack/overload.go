package sipstack

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo/sip"
)

// retryAfter is what a shed request is told (RFC 3261 §21.5.4): long enough for the burst to pass.
const retryAfter = 5 * time.Second

// loadShedder bounds the new out-of-dialog transactions in flight. Past the bound a request is
// answered 503 with Retry-After at once, before the Decider or any DNS work, and the Edge recovers
// by itself as the transactions in flight finish. ACKs and in-dialog requests are never shed: they
// end or keep calls already paid for, and shedding a BYE would only leave the call up longer.
type loadShedder struct {
	max      int64 // 0: unbounded
	inflight atomic.Int64

	mu     sync.Mutex
	shed   int
	logged time.Time
}

// enter reports whether req may run; a true answer must be paired with leave.
func (l *loadShedder) enter() bool {
	if l.max <= 0 {
		return true
	}
	if l.inflight.Add(1) > l.max {
		l.inflight.Add(-1)
		return false
	}
	return true
}

func (l *loadShedder) leave() {
	if l.max > 0 {
		l.inflight.Add(-1)
	}
}

func sheddable(req *sip.Request) bool {
	if req.IsAck() || req.IsCancel() {
		return false
	}
	to := req.To()
	return to == nil || !to.Params.Has("tag")
}

// shedReply answers a shed request, logging at most one line a second with the count.
func (s *Server) shedReply(req *sip.Request, tx sip.ServerTransaction) {
	l := s.shed
	l.mu.Lock()
	l.shed++
	if now := time.Now(); now.Sub(l.logged) >= time.Second {
		s.log.Warn().Str("peer", req.Source()).Int64("max_transactions", l.max).Int("shed", l.shed).
			Msg("overloaded: answering 503 with Retry-After")
		l.logged, l.shed = now, 0
	}
	l.mu.Unlock()
	s.reply(req, tx, 0, 503, "Service Unavailable", []Header{{"Retry-After", strconv.Itoa(int(retryAfter / time.Second))}})
}
