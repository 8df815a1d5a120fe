package record

import (
	"bytes"
	"strconv"
	"strings"
)

// Framer cuts a stream of SIP over TLS into messages: headers to the blank line, then
// Content-Length bytes of body. Keep-alive CRLFs between messages are skipped. The buffer is
// bounded: a stream that is not SIP is thrown away rather than kept. Its storage is reused: a
// stream of small messages costs no allocation once it has grown to hold one.
type Framer struct {
	buf   []byte // buf[r:] is what has not been framed yet
	r     int
	seen  int   // buf[r:r+seen] holds no blank line: an unfinished head is not searched again
	frame Frame // what Frames yields, reused
	Max   int   // bytes buffered before giving up on the stream; 0: 1 MiB
}

func (f *Framer) max() int {
	if f.Max <= 0 {
		return 1 << 20
	}
	return f.Max
}

// Write adds bytes received in order. It invalidates the views NextView returned.
func (f *Framer) Write(b []byte) {
	max := f.max()
	if f.r > 0 && (f.r == len(f.buf) || cap(f.buf)-len(f.buf) < len(b)) {
		n := copy(f.buf, f.buf[f.r:])
		f.buf, f.r = f.buf[:n], 0
	}
	if len(f.buf)-f.r+len(b) > max {
		f.buf, f.r, f.seen = f.buf[:0], 0, 0
		return
	}
	f.buf = append(f.buf, b...)
}

// Next returns the next whole message, a copy, or nil when none is complete yet.
func (f *Framer) Next() []byte {
	if m := f.NextView(); m != nil {
		return append([]byte(nil), m...)
	}
	return nil
}

// NextView is Next without the copy: the message is a view of the Framer's buffer, valid only
// until the next Write. The Recorder's worker copies what it keeps exactly once.
func (f *Framer) NextView() []byte {
	for f.r < len(f.buf) && (f.buf[f.r] == '\r' || f.buf[f.r] == '\n') {
		f.r++
	}
	rest := f.buf[f.r:]
	end := bytes.Index(rest, crlfcrlf)
	if end < 0 {
		return nil
	}
	end += 4
	n := end + contentLength(rest[:end])
	if n > len(rest) {
		return nil
	}
	f.r += n
	f.seen = 0
	return rest[:n:n]
}

var crlfcrlf = []byte("\r\n\r\n")

// contentLength reads the Content-Length of a head that NextView cut at its blank line.
func contentLength(head []byte) int {
	v, ok := headerLines(head[:len(head)-len(crlfcrlf)], "Content-Length", "l")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(string(v))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// Header finds a header's first value in a message's head by its name or compact form.
func Header(msg []byte, name, compact string) (string, bool) {
	v, ok := headerBytes(msg, name, compact)
	return string(v), ok
}

// headerBytes is Header as a view of msg: the head is walked line by line in place.
func headerBytes(msg []byte, name, compact string) ([]byte, bool) {
	head := msg
	if i := bytes.Index(msg, crlfcrlf); i >= 0 {
		head = msg[:i]
	}
	return headerLines(head, name, compact)
}

// headerLines is headerBytes on a head already cut before its blank line.
func headerLines(head []byte, name, compact string) ([]byte, bool) {
	_, head, _ = bytes.Cut(head, crlf) // the start line
	for len(head) > 0 {
		var l []byte
		l, head, _ = bytes.Cut(head, crlf)
		k, v, ok := bytes.Cut(l, colon)
		if !ok {
			continue
		}
		k = bytes.TrimSpace(k)
		if equalFold(k, name) || (compact != "" && equalFold(k, compact)) {
			return bytes.TrimSpace(v), true
		}
	}
	return nil, false
}

var crlf, colon = []byte("\r\n"), []byte(":")

func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if x|0x20 != y|0x20 || ((x|0x20) < 'a' || (x|0x20) > 'z') && x != y {
			return false
		}
	}
	return true
}

// Head is the parts of a SIP message the record sorts by.
type Head struct {
	StartLine string
	Method    string // requests
	Status    int    // responses
	CSeqNo    uint32
	CSeq      string // the CSeq's method
	CallID    string
	FromHost  string
	ToHost    string
}

// ParseHead reads the start line and the headers the record needs.
func ParseHead(msg []byte) Head { return ParseHeadString(string(msg)) }

// ParseHeadString is ParseHead on the message as kept: every string in the Head is a part of raw,
// so reading a message's head allocates nothing more than the message itself.
func ParseHeadString(raw string) Head {
	var h Head
	h.StartLine, _, _ = strings.Cut(raw, "\r\n")
	if rest, ok := strings.CutPrefix(h.StartLine, "SIP/2.0 "); ok {
		code, _, _ := strings.Cut(rest, " ")
		h.Status, _ = strconv.Atoi(code)
	} else {
		h.Method, _, _ = strings.Cut(h.StartLine, " ")
	}
	_, head, _ := strings.Cut(raw, "\r\n")
	for len(head) > 0 {
		var l string
		l, head, _ = strings.Cut(head, "\r\n")
		if l == "" {
			break // the blank line: the body follows
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case h.CallID == "" && (strings.EqualFold(k, "Call-ID") || strings.EqualFold(k, "i")):
			h.CallID = v
		case h.CSeq == "" && strings.EqualFold(k, "CSeq"):
			no, m, _ := strings.Cut(v, " ")
			n, _ := strconv.ParseUint(no, 10, 32)
			h.CSeqNo, h.CSeq = uint32(n), strings.TrimSpace(m)
		case h.Method == "": // the record reads the domains of requests only
		case h.FromHost == "" && (strings.EqualFold(k, "From") || strings.EqualFold(k, "f")):
			h.FromHost = uriHost(v)
		case h.ToHost == "" && (strings.EqualFold(k, "To") || strings.EqualFold(k, "t")):
			h.ToHost = uriHost(v)
		}
	}
	return h
}

// uriHost is the host of the first sip: or sips: URI in a header value.
func uriHost(v string) string {
	i := indexFoldSIP(v)
	if i < 0 {
		return ""
	}
	v = v[i:]
	_, v, ok := strings.Cut(v, ":")
	if !ok {
		return ""
	}
	if at := strings.IndexByte(v, '@'); at >= 0 {
		v = v[at+1:]
	}
	end := strings.IndexAny(v, ":;>? ")
	if end >= 0 {
		v = v[:end]
	}
	return strings.ToLower(v)
}

// indexFoldSIP is strings.Index(strings.ToLower(v), "sip") without lowering a copy of v: the
// worker reads the From and To of every request.
func indexFoldSIP(v string) int {
	for i := 0; i+3 <= len(v); i++ {
		if v[i]|0x20 == 's' && v[i+1]|0x20 == 'i' && v[i+2]|0x20 == 'p' {
			return i
		}
	}
	return -1
}
