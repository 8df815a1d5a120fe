package record

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
)

// JSONL appends each attempt as one JSON line from its own goroutine behind a bounded queue: a full
// disk or a slow one costs counted drops, never a wait for the caller.
type JSONL struct {
	f       *os.File
	queue   chan Attempt
	wg      sync.WaitGroup
	once    sync.Once
	written atomic.Uint64
	dropped atomic.Uint64
	failed  atomic.Uint64
	lastErr atomic.Pointer[error]
}

// OpenJSONL opens path for appending (0600: it holds whole SIP messages).
func OpenJSONL(path string, queue int) (*JSONL, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	if queue <= 0 {
		queue = 256
	}
	j := &JSONL{f: f, queue: make(chan Attempt, queue)}
	j.wg.Add(1)
	go j.loop()
	return j, nil
}

func (j *JSONL) loop() {
	defer j.wg.Done()
	for a := range j.queue {
		b, err := json.Marshal(a)
		if err == nil {
			_, err = j.f.Write(append(b, '\n'))
		}
		if err != nil {
			j.failed.Add(1)
			j.lastErr.Store(&err)
			continue
		}
		j.written.Add(1)
	}
}

// Add queues a; a full queue drops it and counts the drop.
func (j *JSONL) Add(a Attempt) {
	select {
	case j.queue <- a:
	default:
		j.dropped.Add(1)
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
		close(j.queue)
		j.wg.Wait()
		err = j.f.Close()
	})
	return err
}
