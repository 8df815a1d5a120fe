package sipstack

import (
	"bytes"

	"github.com/emiago/sipgo/sip"
)

// leanFramer cuts what a connection reads into messages for the call path (lean.go). A message
// of the call path is held until it is whole and then handled; every other message goes on to
// sipgo's reader as it arrives. A message whose framing is not plain (no Content-Length, or more
// than one) ends the cutting for the connection: from then on sipgo frames everything, as before.
type leanFramer struct {
	buf     []byte // the message in progress, from its start line, when it spans reads
	started bool   // its start line has been read and classified
	pass    bool   // it is sipgo's; buf[:sent] has gone on already
	sent    int
	head    int // past the blank line ending its headers; 0 until found
	total   int // its whole length, once head is known
	scanned int // how much of it has been searched for the end of the start line or of the headers
	off     bool
}

func (f *leanFramer) next() {
	f.started, f.pass, f.sent, f.head, f.total, f.scanned = false, false, 0, 0, 0, 0
}

// find is bytes.Index(msg, sep) that picks up where the last search of this message stopped: a
// peer sending a byte a record must not make every read search the whole message again.
func (f *leanFramer) find(msg, sep []byte) int {
	from := max(0, f.scanned-len(sep)+1)
	i := bytes.Index(msg[from:], sep)
	if i < 0 {
		f.scanned = len(msg)
		return -1
	}
	f.scanned = 0
	return from + i
}

// leanOut writes what goes on to sipgo into the reader's buffer b, and past its end into the
// connection's overflow, which the following Reads hand over first.
type leanOut struct {
	b []byte
	w int
	c *edgeConn
}

func (o *leanOut) emit(x []byte) {
	k := copy(o.b[o.w:], x)
	o.w += k
	if k < len(x) {
		o.c.rewritten = append(o.c.rewritten, x[k:]...)
	}
}

// leanFilter takes the call path's messages out of b[:n] (and out of any overflow a start-line
// rewrite left) and returns how much of b now holds what sipgo is to read. A read of whole
// messages is cut in place, without a copy.
func (c *edgeConn) leanFilter(b []byte, n int) int {
	p, f := c.l.lean, &c.lean
	if p == nil || f.off {
		return n
	}
	in := b[:n]
	copied := len(f.buf) > 0 || len(c.rewritten) > 0
	if copied {
		f.buf = append(append(f.buf, b[:n]...), c.rewritten...)
		c.rewritten = c.rewritten[:0]
		in = f.buf
	}
	out := leanOut{b: b, c: c}
	rest := c.leanFrame(p, in, &out)
	if f.off {
		f.buf = nil
		return out.w
	}
	// rest starts past everything written to b, so it is intact until copied out here.
	f.buf = append(f.buf[:0], rest...)
	if len(f.buf) > p.max && f.head == 0 {
		out.emit(f.buf[f.sent:]) // no end of headers in sight: sipgo says what is wrong
		f.off, f.buf = true, nil
		return out.w
	}
	if f.pass {
		out.emit(f.buf[f.sent:])
		f.sent = len(f.buf)
	}
	if len(f.buf) == 0 {
		f.buf = nil // an idle connection keeps no buffer
	}
	return out.w
}

// leanFrame handles or passes on every whole message of in and returns the unfinished rest.
func (c *edgeConn) leanFrame(p *leanPath, in []byte, out *leanOut) []byte {
	f := &c.lean
	start := 0
	for start < len(in) {
		msg := in[start:]
		if !f.started {
			k := 0
			for k < len(msg) && (msg[k] == '\r' || msg[k] == '\n') {
				k++
			}
			if k == len(msg) {
				out.emit(msg) // a keep-alive: sipgo answers a ping (RFC 5626 §3.5.1)
				return nil
			}
			// CRLFs before a start line are nothing (RFC 3261 §7.5); sipgo skips them too.
			msg, start = msg[k:], start+k
			e := f.find(msg, []byte("\n"))
			if e < 0 {
				break
			}
			f.started, f.pass = true, !leanMethod(msg[:e])
		}
		if f.head == 0 {
			h := f.find(msg, crlfcrlf)
			if h < 0 {
				break
			}
			f.head = h + 4
			cl, ok := soleContentLength(msg[:f.head])
			if !ok {
				out.emit(msg[f.sent:])
				f.off = true
				return nil
			}
			f.total = f.head + cl
			if f.total > p.max { // sipgo refuses it as too large and closes: its framing from now on
				out.emit(msg[f.sent:])
				f.off = true
				return nil
			}
		}
		if len(msg) < f.total {
			break
		}
		whole := msg[:f.total]
		if f.pass || !c.leanTake(p, whole) {
			out.emit(whole[f.sent:])
		}
		start += f.total
		f.next()
	}
	return in[start:]
}

var crlfcrlf = []byte("\r\n\r\n")

// soleContentLength reads the one Content-Length (or l) of a header block; ok is false when there
// is none, more than one, or one that is no number: sipgo's framing of those is its own.
func soleContentLength(head []byte) (n int, ok bool) {
	seen := 0
	for len(head) > 0 {
		e := bytes.IndexByte(head, '\n')
		if e < 0 {
			break
		}
		line := head[:e]
		head = head[e+1:]
		if len(line) > 0 && (line[0] == 'C' || line[0] == 'c' || line[0] == 'l' || line[0] == 'L') {
			if v, isCL := contentLength(bytes.TrimRight(line, "\r")); isCL {
				n, seen = v, seen+1
			} else if bytes.HasPrefix(bytes.ToLower(line[:min(len(line), 15)]), []byte("content-length")) {
				return 0, false
			}
		}
	}
	return n, seen == 1
}

// leanTake parses a whole message of the call path and handles it; false leaves it to sipgo.
func (c *edgeConn) leanTake(p *leanPath, raw []byte) bool {
	m, err := p.parser.ParseSIP(raw)
	if err != nil {
		return false // sipgo's own error answer
	}
	req, ok := m.(*sip.Request)
	if !ok {
		return false
	}
	req.SetTransport("TLS")
	req.SetSource(c.remote)
	return p.handle(c, req)
}
