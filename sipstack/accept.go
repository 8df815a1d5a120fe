package sipstack

import (
	"errors"
	"net"
	"time"
)

// Accept backoff, as net/http's Server.Serve does it: a temporary accept error (EMFILE, ENFILE)
// must not end sipgo's accept loop, which returns on the first error and
// would leave the Edge deaf for good once descriptors run out.
const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
)

// temporaryAcceptError says whether an accept error is worth retrying. syscall.Errno reports
// EMFILE, ENFILE, EINTR and EAGAIN as Temporary (the net package already retries ECONNABORTED).
func temporaryAcceptError(err error) bool {
	if errors.Is(err, net.ErrClosed) {
		return false
	}
	var te interface{ Temporary() bool }
	if errors.As(err, &te) && te.Temporary() {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// acceptRetrying accepts from inner, sleeping with a doubling backoff over temporary errors. It
// returns a permanent error at once, and net.ErrClosed when done closes during a backoff.
func (l *tlsListener) acceptRetrying() (net.Conn, error) {
	var delay time.Duration
	for {
		c, err := l.Listener.Accept()
		if err == nil {
			if delay > 0 {
				l.log.Info().Str("listen", l.Addr().String()).Msg("accepting connections again")
			}
			return c, nil
		}
		if !temporaryAcceptError(err) {
			return nil, err
		}
		if delay == 0 {
			delay = acceptBackoffMin
			// Logged once per episode, not once per retry: a descriptor shortage can last minutes.
			l.log.Warn().Err(err).Str("listen", l.Addr().String()).Msg(MsgAcceptFailed)
		} else if delay *= 2; delay > acceptBackoffMax {
			delay = acceptBackoffMax
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-l.done:
			t.Stop()
			return nil, net.ErrClosed
		}
	}
}
