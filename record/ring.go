package record

import "sync"

// DefaultHistory is record.history's default.
const DefaultHistory = 1000

// Ring keeps the last n attempts in memory: a fixed bound, the oldest overwritten.
type Ring struct {
	mu    sync.Mutex
	buf   []Attempt
	next  int
	full  bool
	total uint64
	subs  map[*Subscription]struct{} // see Subscribe
}

// NewRing holds up to n attempts; n <= 0 means DefaultHistory.
func NewRing(n int) *Ring {
	if n <= 0 {
		n = DefaultHistory
	}
	return &Ring{buf: make([]Attempt, n)}
}

// Add keeps a, forgetting the oldest when full.
func (r *Ring) Add(a Attempt) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf[r.next] = a
	r.next++
	r.total++
	if r.next == len(r.buf) {
		r.next, r.full = 0, true
	}
	r.publish(a)
}

// Snapshot returns the kept attempts, oldest first.
func (r *Ring) Snapshot() []Attempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.full {
		return append([]Attempt(nil), r.buf[:r.next]...)
	}
	out := append([]Attempt(nil), r.buf[r.next:]...)
	return append(out, r.buf[:r.next]...)
}

// Find returns the kept attempt with that id.
func (r *Ring) Find(id string) (Attempt, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range r.buf {
		if a.ID == id && id != "" {
			return a, true
		}
	}
	return Attempt{}, false
}

// Total is how many attempts were ever added.
func (r *Ring) Total() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

// Cap is the ring's bound.
func (r *Ring) Cap() int { return len(r.buf) }
