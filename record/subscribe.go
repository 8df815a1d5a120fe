package record

import "sync/atomic"

// DefaultSubscriberQueue is a subscription's buffer when Subscribe is given n <= 0.
const DefaultSubscriberQueue = 64

// Subscription hears of every attempt the ring keeps after it was made. Its channel is bounded:
// Add never waits for a subscriber (the Edge's recorder must not stall behind a slow browser tab),
// so a full channel loses the attempt and counts it in Dropped.
type Subscription struct {
	C       <-chan Attempt
	c       chan Attempt
	ring    *Ring
	dropped atomic.Uint64
}

// Subscribe starts a subscription buffering up to n attempts (n <= 0: DefaultSubscriberQueue).
// Close it when done; its channel is closed then.
func (r *Ring) Subscribe(n int) *Subscription {
	if n <= 0 {
		n = DefaultSubscriberQueue
	}
	c := make(chan Attempt, n)
	s := &Subscription{C: c, c: c, ring: r}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.subs == nil {
		r.subs = map[*Subscription]struct{}{}
	}
	r.subs[s] = struct{}{}
	return s
}

// Dropped is how many attempts this subscriber lost to a full channel.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Close ends the subscription and closes its channel; closing twice is harmless.
func (s *Subscription) Close() {
	r := s.ring
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.subs[s]; ok {
		delete(r.subs, s)
		close(s.c)
	}
}

// publish offers a to every subscriber without waiting; r.mu is held.
func (r *Ring) publish(a Attempt) {
	for s := range r.subs {
		select {
		case s.c <- a:
		default:
			s.dropped.Add(1)
		}
	}
}
