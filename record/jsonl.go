package record

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// JSONL appends each attempt as one JSON line from its own goroutine behind a bounded queue: a full
// disk or a slow one costs counted drops, never a wait for the caller. Lines are gathered for up to
// FlushEvery and written together, one wake-up and one system call for a burst.
type JSONL struct {
	f       io.WriteCloser
	queue   chan Attempt
	closing chan struct{} // closed by Close, so a sleeping writer does not finish its nap
	onDrop  func()        // an attempt dropped or not written; may be nil
	wg      sync.WaitGroup
	once    sync.Once
	written atomic.Uint64
	dropped atomic.Uint64
	failed  atomic.Uint64
	lastErr atomic.Pointer[error]
}

// DefaultJSONLQueue is the attempts that may wait for the writer: FlushEvery of 20,000 a second.
const DefaultJSONLQueue = 1024

// OpenJSONL opens path for appending (0600: it holds whole SIP messages). onDrop, when set, is
// called for every attempt dropped on a full queue or lost to a failed write.
func OpenJSONL(path string, queue int, onDrop func()) (*JSONL, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	return NewJSONL(f, queue, onDrop), nil
}

// NewJSONL writes to w, which Close closes.
func NewJSONL(w io.WriteCloser, queue int, onDrop func()) *JSONL {
	if queue <= 0 {
		queue = DefaultJSONLQueue
	}
	if onDrop == nil {
		onDrop = func() {}
	}
	j := &JSONL{f: w, queue: make(chan Attempt, queue), closing: make(chan struct{}), onDrop: onDrop}
	j.wg.Add(1)
	go j.loop()
	return j
}

// maxKeptLine bounds the line buffer the writer keeps between attempts.
const maxKeptLine = 256 << 10

// FlushEvery is how far the file may lag the attempts. The writer sleeps this long after the first
// attempt of a burst while the rest queue behind it, then writes them together: a wake-up and a
// write system call per attempt were a real part of what recording cost a call.
const FlushEvery = 50 * time.Millisecond

func (j *JSONL) loop() {
	defer j.wg.Done()
	w := lineWriter{j: j, bw: bufio.NewWriterSize(j.f, 64<<10)}
	nap := time.NewTimer(time.Hour)
	nap.Stop()
	for a := range j.queue { // blocks only while idle: the first attempt of a burst wakes the writer
		w.write(&a)
		nap.Reset(FlushEvery)
		select {
		case <-nap.C:
		case <-j.closing:
			nap.Stop()
		}
		open := j.drain(&w)
		w.flush()
		if !open {
			return
		}
	}
	w.flush()
}

// drain writes what queued while the writer slept; false once the queue is closed and empty.
func (j *JSONL) drain(w *lineWriter) bool {
	for {
		select {
		case a, ok := <-j.queue:
			if !ok {
				return false
			}
			w.write(&a)
		default:
			return true
		}
	}
}

// lineWriter is the loop's buffer: lines encoded, then written FlushEvery at most behind.
type lineWriter struct {
	j       *JSONL
	bw      *bufio.Writer
	line    []byte // reused: one attempt's line is encoded here, then copied into bw
	pending uint64 // lines in bw not yet written out
}

func (w *lineWriter) write(a *Attempt) {
	var err error
	if w.line, err = AppendJSON(w.line[:0], a); err != nil {
		w.j.fail(err, 1)
		return
	}
	w.line = append(w.line, '\n')
	_, err = w.bw.Write(w.line)
	if cap(w.line) > maxKeptLine {
		w.line = nil // one huge attempt does not pin its buffer for good
	}
	if err != nil {
		w.j.fail(err, 1)
		w.bw.Reset(w.j.f) // a failed write leaves bufio broken for good; start clean
		w.pending = 0
		return
	}
	w.pending++
}

func (w *lineWriter) flush() {
	if w.pending == 0 {
		return
	}
	if err := w.bw.Flush(); err != nil {
		w.j.fail(err, w.pending)
		w.bw.Reset(w.j.f)
	} else {
		w.j.written.Add(w.pending)
	}
	w.pending = 0
}

func (j *JSONL) fail(err error, n uint64) {
	j.failed.Add(n)
	j.lastErr.Store(&err)
	for range n {
		j.onDrop()
	}
}

// Add queues a; a full queue drops it and counts the drop.
func (j *JSONL) Add(a Attempt) {
	select {
	case j.queue <- a:
	default:
		j.dropped.Add(1)
		j.onDrop()
	}
}

// Stats are lines written, attempts dropped on a full queue and writes that failed, with the last error.
func (j *JSONL) Stats() (written, dropped, failed uint64, last error) {
	if p := j.lastErr.Load(); p != nil {
		last = *p
	}
	return j.written.Load(), j.dropped.Load(), j.failed.Load(), last
}

// Close writes what is queued and closes the file. Add must not be called after Close.
func (j *JSONL) Close() error {
	var err error
	j.once.Do(func() {
		close(j.closing)
		close(j.queue)
		j.wg.Wait()
		err = j.f.Close()
	})
	return err
}
