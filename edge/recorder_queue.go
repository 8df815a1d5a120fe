package edge

import (
	"context"
	"sync"
	"time"
)

// batchDelay is how long the worker lets a batch gather once something arrives: one wake-up for
// every read and write of the calls in that time, instead of one each. The record, the captures and
// the metrics lag by about this much; Sync and Close do not wait for it.
const batchDelay = 5 * time.Millisecond

// Bounds of one batch; past them events are dropped and counted rather than waited for.
const (
	defaultQueueEvents = 65536
	maxQueueBytes      = 16 << 20
	keptArena          = 1 << 20 // a batch's arena above this is given back to the GC, not reused
)

// queue is the batch the connections append to and the worker takes whole. The bytes of all
// events share one arena, so a read costs a copy into it and no allocation.
type queue struct {
	mu        sync.Mutex
	events    []event
	arena     []byte
	maxEvents int
	barriers  []chan struct{}
	wake      chan struct{} // something arrived in an empty batch
	now       chan struct{} // Sync or Close: do not wait for batchDelay
	spare     batch         // the worker's, reused for the next swap
}

type batch struct {
	events   []event
	arena    []byte
	barriers []chan struct{}
}

func (q *queue) init(maxEvents int) {
	if maxEvents <= 0 {
		maxEvents = defaultQueueEvents
	}
	q.maxEvents = maxEvents
	q.wake, q.now = make(chan struct{}, 1), make(chan struct{}, 1)
}

// push appends e, with a copy of b, to the current batch; a full batch drops it and counts.
func (r *Recorder) push(e event, b []byte) {
	q := &r.q
	q.mu.Lock()
	if len(q.events) >= q.maxEvents || len(q.arena)+len(b) > maxQueueBytes {
		q.mu.Unlock()
		r.dropped.Add(1)
		r.counters.dropRecord.Inc()
		return
	}
	e.off, e.n = len(q.arena), len(b)
	q.arena = append(q.arena, b...)
	first := len(q.events) == 0
	q.events = append(q.events, e)
	q.mu.Unlock()
	if first {
		signal(q.wake)
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// take swaps the current batch for the worker's spare one.
func (q *queue) take() batch {
	q.mu.Lock()
	defer q.mu.Unlock()
	b := batch{events: q.events, arena: q.arena, barriers: q.barriers}
	q.events, q.arena, q.barriers = q.spare.events[:0], q.spare.arena[:0], q.spare.barriers[:0]
	return b
}

// giveBack keeps b's storage for the next swap, unless a burst made it large.
func (q *queue) giveBack(b batch) {
	clear(b.events) // no connection or attempt stays reachable from a spare batch
	if cap(b.arena) > keptArena {
		b.arena = nil
	}
	q.spare = batch{events: b.events[:0], arena: b.arena[:0], barriers: b.barriers[:0]}
}

// Sync waits, bounded by ctx, until every event queued before it has been handled.
func (r *Recorder) Sync(ctx context.Context) error {
	done := make(chan struct{})
	r.q.mu.Lock()
	r.q.barriers = append(r.q.barriers, done)
	r.q.mu.Unlock()
	signal(r.q.now)
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Recorder) loop() {
	defer r.wg.Done()
	delay := time.NewTimer(time.Hour)
	delay.Stop()
	lag := time.NewTimer(time.Hour) // a put-off pcapng flush, when the calls have gone quiet
	lag.Stop()
	for {
		if r.pcapBehind {
			lag.Reset(pcapFlushEvery)
		}
		stopping := false
		select {
		case <-lag.C:
			r.flushOutputs(true)
			continue
		case <-r.q.wake:
			delay.Reset(batchDelay)
			select {
			case <-delay.C:
			case <-r.q.now:
				delay.Stop()
			case <-r.stop:
				stopping = true
			}
		case <-r.q.now:
		case <-r.stop:
			stopping = true
		}
		r.handleBatch()
		if stopping {
			r.handleBatch() // anything pushed while the last batch was handled
			r.flushAll(time.Now())
			return
		}
	}
}

func (r *Recorder) handleBatch() {
	b := r.q.take()
	for _, e := range b.events {
		r.handle(e, b.arena[e.off:e.off+e.n])
	}
	r.flushOutputs(len(b.barriers) > 0)
	for _, done := range b.barriers {
		close(done)
	}
	r.q.giveBack(b)
}
