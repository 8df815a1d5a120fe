package sipstack

import (
	"strconv"
	"sync"
)

// sipgo's reader closes a connection when it cannot parse what it read (or the message is too
// large), and logs only the raw bytes without the peer. The Edge's connection sees that close come
// from the reader between two reads, right after a read that succeeded, and logs it with the peer
// address and a short excerpt. Any other close (the peer's EOF, a timeout, a close from another
// goroutine while the reader waits in Read, shutdown) is not logged here.
const excerptBytes = 200

type readWatch struct {
	mu      sync.Mutex
	reading bool   // the reader is inside Read
	lastOK  bool   // the last Read returned data and no error
	excerpt []byte // the start of that read
}

func (w *readWatch) enter() {
	w.mu.Lock()
	w.reading = true
	w.mu.Unlock()
}

func (w *readWatch) leave(b []byte, n int, err error) {
	w.mu.Lock()
	w.reading, w.lastOK = false, n > 0 && err == nil
	if w.lastOK {
		w.excerpt = append(w.excerpt[:0], b[:min(n, excerptBytes)]...)
	}
	w.mu.Unlock()
}

// closedAfterData reports whether a close now is the reader's, after data it could not use.
func (w *readWatch) closedAfterData() (excerpt string, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.reading || !w.lastOK {
		return "", false
	}
	return strconv.Quote(string(w.excerpt)), true
}

func (c *edgeConn) logIfUnparsable() {
	select {
	case <-c.l.done:
		return // shutdown closes every connection
	default:
	}
	if ex, ok := c.watch.closedAfterData(); ok {
		c.l.log.Warn().Str("peer", c.RemoteAddr().String()).Str("excerpt", ex).
			Msg(MsgUnparsable)
	}
}
