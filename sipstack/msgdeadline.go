package sipstack

import (
	"bytes"
	"strconv"
)

// msgFramer follows SIP message boundaries on a connection's byte stream (RFC 3261 §7.5, §18.3:
// headers up to an empty line, then Content-Length bytes of body) just well enough to know when a
// message is in progress. The idle timeout restarts on every read, so a peer sending one byte at a
// time held a connection for ever; with the framer the Edge bounds the whole message instead.
// sipgo still does the real parsing: a framer that misjudges can only close a connection early or late.
type msgFramer struct {
	state    int // framerIdle, framerHeaders, framerBody
	line     []byte
	bodyLeft int
	starts   []int // where in the last fed bytes a message began (malformed_start.go)
}

const (
	framerIdle = iota
	framerHeaders
	framerBody
)

// maxTrackedLine bounds what the framer keeps of a header line: Content-Length fits in far less.
const maxTrackedLine = 128

// feed consumes b and reports whether a message began in it. It runs on every read, so it steps
// over a header line or a body in one go (bytes.IndexByte, one subtraction) rather than byte by byte.
func (f *msgFramer) feed(b []byte) (started bool) {
	f.starts = f.starts[:0]
	for i := 0; i < len(b); {
		switch f.state {
		case framerIdle:
			if b[i] == '\r' || b[i] == '\n' {
				i++ // keep-alive CRLFs between messages (RFC 5626 §3.5.1)
				continue
			}
			f.state, f.line, f.bodyLeft, started = framerHeaders, f.line[:0], 0, true
			f.starts = append(f.starts, i)
		case framerHeaders:
			j := bytes.IndexByte(b[i:], '\n')
			if j < 0 {
				f.track(b[i:])
				return started
			}
			f.track(b[i : i+j])
			i += j + 1
			f.endLine()
		case framerBody:
			n := min(f.bodyLeft, len(b)-i)
			f.bodyLeft -= n
			i += n
			if f.bodyLeft == 0 {
				f.state = framerIdle
			}
		}
	}
	return started
}

// track keeps the start of the header line in progress, up to maxTrackedLine bytes.
func (f *msgFramer) track(part []byte) {
	if room := maxTrackedLine - len(f.line); room > 0 {
		f.line = append(f.line, part[:min(room, len(part))]...)
	}
}

// endLine acts on a whole header line: a Content-Length sets the body to come, the empty line ends
// the headers.
func (f *msgFramer) endLine() {
	line := bytes.TrimRight(f.line, "\r")
	f.line = f.line[:0]
	if len(line) > 0 {
		if n, ok := contentLength(line); ok {
			f.bodyLeft = n
		}
		return
	}
	f.state = framerIdle
	if f.bodyLeft > 0 {
		f.state = framerBody
	}
}

// inMessage says whether part of a message has arrived and the rest has not.
func (f *msgFramer) inMessage() bool { return f.state != framerIdle }

// contentLength reads a Content-Length (or compact "l") header line.
func contentLength(line []byte) (int, bool) {
	name, value, ok := bytes.Cut(line, []byte(":"))
	if !ok {
		return 0, false
	}
	name = bytes.TrimSpace(name)
	if !bytes.EqualFold(name, []byte("Content-Length")) && !bytes.EqualFold(name, []byte("l")) {
		return 0, false
	}
	n, err := strconv.Atoi(string(bytes.TrimSpace(value)))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
