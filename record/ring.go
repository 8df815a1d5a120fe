package record

import "sync"

// DefaultHistory is record.history's default.
const DefaultHistory = 1000

// MaxRingBytes bounds the bytes of SIP and Edge log the ring keeps, whatever record.history says:
// a message may be up to a MiB and an attempt holds up to MaxMessages of them, so the count alone
// bounds nothing. Past it the oldest attempts go first; the newest is always kept.
const MaxRingBytes = 64 << 20

// Ring keeps the last n attempts in memory, and no more than MaxRingBytes of their text: a fixed
// bound, the oldest forgotten first.
type Ring struct {
	mu       sync.Mutex
	buf      []Attempt // buf[head], buf[head+1], … (modulo its length): n attempts, oldest first
	sizes    []int     // what each kept attempt counts against maxBytes
	head, n  int
	bytes    int
	maxBytes int
	total    uint64
	subs     map[*Subscription]struct{} // see Subscribe
}

// NewRing holds up to n attempts; n <= 0 means DefaultHistory.
func NewRing(n int) *Ring {
	if n <= 0 {
		n = DefaultHistory
	}
	return &Ring{buf: make([]Attempt, n), sizes: make([]int, n), maxBytes: MaxRingBytes}
}

// Add keeps a, forgetting the oldest when full.
func (r *Ring) Add(a Attempt) {
	size := a.textBytes()
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.n == len(r.buf) || (r.n > 0 && r.bytes+size > r.maxBytes) {
		r.dropOldest()
	}
	i := (r.head + r.n) % len(r.buf)
	r.buf[i], r.sizes[i] = a, size
	r.n++
	r.bytes += size
	r.total++
	r.publish(a)
}

func (r *Ring) dropOldest() {
	r.bytes -= r.sizes[r.head]
	r.buf[r.head], r.sizes[r.head] = Attempt{}, 0 // its messages are garbage now
	r.head = (r.head + 1) % len(r.buf)
	r.n--
}

// textBytes is what an attempt weighs in the ring: its messages and Edge-log record, the parts
// that grow with what a peer sends, plus a fixed share for the rest.
func (a *Attempt) textBytes() int {
	n := 512 + len(a.EdgeLog)
	for i := range a.Messages {
		n += 64 + len(a.Messages[i].Raw)
	}
	return n
}

// Bytes is the weight of the kept attempts, never above MaxRingBytes but for one attempt larger on its own.
func (r *Ring) Bytes() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bytes
}

// Snapshot returns the kept attempts, oldest first.
func (r *Ring) Snapshot() []Attempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Attempt, 0, r.n)
	for k := range r.n {
		out = append(out, r.buf[(r.head+k)%len(r.buf)])
	}
	return out
}

// Find returns the kept attempt with that id.
func (r *Ring) Find(id string) (Attempt, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.n {
		if a := r.buf[(r.head+k)%len(r.buf)]; a.ID == id && id != "" {
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
