package sipstack

import (
	"errors"
	"net"
	"time"
)

// Moving a connection's deadline is a change to one of the runtime's timers, and one that can wake
// its network poller; the idle bound was moved on every read and the write bound on every write.
// A deadline already set within deadlineSlack of the one wanted stays where it is: a read deadline
// kept that comes early is followed by a read with the real one (edgeConn.Read), so the idle and
// message bounds stay exact; a write is bounded by writeTimeout to within the slack.
const deadlineSlack = time.Second

// readDeadline sets want unless the deadline in force comes at most deadlineSlack before it.
func (c *edgeConn) readDeadline(want time.Time) error {
	if !want.IsZero() && !c.rdl.IsZero() && !c.rdl.After(want) && want.Sub(c.rdl) < deadlineSlack {
		return nil
	}
	return c.setReadDeadline(want)
}

func (c *edgeConn) setReadDeadline(t time.Time) error {
	c.rdl = t
	return c.Conn.SetReadDeadline(t)
}

// writeDeadline bounds the next write by writeTimeout, less at most deadlineSlack. The caller
// holds wmu.
func (c *edgeConn) writeDeadline() error {
	now := time.Now()
	if c.wdl.Sub(now) > writeTimeout-deadlineSlack {
		return nil
	}
	c.wdl = now.Add(writeTimeout)
	return c.Conn.SetWriteDeadline(c.wdl)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
