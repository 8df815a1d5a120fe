package sipstack

import (
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// ackWaits ends the transactions that wait for the ACK of their non-2xx answer once AckTimeout has
// passed. They all wait as long, so they expire in the order they began waiting: a queue and one
// timer for its head do what a timer per refused call did, without adding a timer to the runtime
// (and waking its poller) on every call.
type ackWaits struct {
	mu    sync.Mutex
	wait  time.Duration
	queue []ackWait // queue[head:] waits, oldest first
	head  int
	timer *time.Timer // armed for queue[head] while the queue is not empty
}

type ackWait struct {
	at time.Time
	tx *leanTx
}

func (a *ackWaits) add(tx *leanTx) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.queue = append(a.queue, ackWait{at: time.Now().Add(a.wait), tx: tx})
	if a.timer == nil {
		a.timer = time.AfterFunc(a.wait, a.expire)
	} else if len(a.queue)-a.head == 1 {
		a.timer.Reset(a.wait)
	}
}

// expire ends what is due and arms the timer for the next one.
func (a *ackWaits) expire() {
	now := time.Now()
	a.mu.Lock()
	var due []*leanTx
	for a.head < len(a.queue) && !a.queue[a.head].at.After(now) {
		due = append(due, a.queue[a.head].tx)
		a.queue[a.head] = ackWait{}
		a.head++
	}
	if a.head == len(a.queue) {
		a.queue, a.head = a.queue[:0], 0
	} else {
		if a.head > len(a.queue)/2 { // keep the queue's storage bounded by what waits
			a.queue, a.head = append(a.queue[:0], a.queue[a.head:]...), 0
		}
		a.timer.Reset(a.queue[a.head].at.Sub(now))
	}
	a.mu.Unlock()
	for _, tx := range due {
		tx.terminate(sip.ErrTransactionTimeout)
	}
}
