package sipstack

import "time"

// Answers that are ready together go out together. Each write to a TLS connection costs a TLS
// record and a write system call, and a call's 100 Trying, 180 Ringing and 200 OK are built back to
// back when there is no ringing time. While a connection is held, writes wait in a buffer and
// leave with the next write once it is released: one record and one system call for all of them.
// The bytes on the wire are the same, in the same order; only their TLS framing changes.

// hold makes the following writes wait, until unhold (they leave with the next write) or flush.
func (c *edgeConn) hold() {
	c.wmu.Lock()
	c.held = true
	c.wmu.Unlock()
}

// unhold lets the next write carry what is waiting. The caller must flush afterwards all the same,
// in case that write never comes (a transaction ended before its answer was written).
func (c *edgeConn) unhold() {
	c.wmu.Lock()
	c.held = false
	c.wmu.Unlock()
}

// flush writes what is waiting now and ends the hold.
func (c *edgeConn) flush() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.held = false
	if len(c.pending) == 0 {
		return nil
	}
	_, err := c.writeNow(nil)
	return err
}

// Write writes b, after what is waiting, in one TLS write; while held, b waits instead. The tap
// hears each message as it is handed over, so a record still shows one message per write.
func (c *edgeConn) Write(b []byte) (int, error) {
	if c.tap != nil {
		c.tap.Plain(true, time.Now(), b)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.held {
		c.pending = append(c.pending, b...)
		return len(b), nil
	}
	return c.writeNow(b)
}

// writeNow sends the waiting bytes and b, bounded by writeTimeout; it reports b's length written
// when all of it went, as io.Writer asks. The caller holds wmu.
func (c *edgeConn) writeNow(b []byte) (int, error) {
	if err := c.writeDeadline(); err != nil {
		return 0, err
	}
	if len(c.pending) == 0 {
		return c.Conn.Write(b)
	}
	out := append(c.pending, b...)
	n, err := c.Conn.Write(out)
	c.pending = out[:0] // kept for the next call's answers; an idle connection never held one
	if cap(c.pending) > maxKeptPending {
		c.pending = nil
	}
	return max(0, n-(len(out)-len(b))), err
}

// maxKeptPending bounds the buffer a connection keeps between calls: a call's answers fit.
const maxKeptPending = 16 << 10
