package record

import (
	"bytes"
	"iter"
	"strconv"
	"strings"
)

// Frame is one message the Framer cut, with where its head's parts lie: the worker frames and reads
// each message's head in one pass over its lines, instead of cutting it at the blank line, walking
// the head for Content-Length and walking it again for the record's fields.
type Frame struct {
	Msg   []byte // a view of the Framer's buffer or of the bytes given to Frames, valid until the next write
	spans headSpans
}

// span is [from, to) in a message.
type span struct{ from, to int }

// headSpans are the lines and values ParseHeadString reads, found on the bytes before the message
// is copied; slow says the head holds something only ParseHeadString itself reads exactly (a line
// that starts with space, a key past ASCII, a field's value empty).
type headSpans struct {
	startLine              span
	callID, cseq, from, to span // trimmed values; from == to == zero span when absent
	slow                   bool
}

// Head is ParseHeadString(raw) for raw == string(fr.Msg), read from the spans found while framing:
// every string in it is a part of raw.
func (fr *Frame) Head(raw string) Head {
	s := &fr.spans
	if s.slow || len(raw) != len(fr.Msg) {
		return ParseHeadString(raw)
	}
	var h Head
	h.StartLine = raw[s.startLine.from:s.startLine.to]
	if rest, ok := strings.CutPrefix(h.StartLine, "SIP/2.0 "); ok {
		code, _, _ := strings.Cut(rest, " ")
		h.Status, _ = strconv.Atoi(code)
	} else {
		h.Method, _, _ = strings.Cut(h.StartLine, " ")
	}
	h.CallID = raw[s.callID.from:s.callID.to]
	if s.cseq.to > 0 {
		no, m, _ := strings.Cut(raw[s.cseq.from:s.cseq.to], " ")
		n, _ := strconv.ParseUint(no, 10, 32)
		h.CSeqNo, h.CSeq = uint32(n), strings.TrimSpace(m)
	}
	if h.Method != "" { // the record reads the domains of requests only
		if s.from.to > 0 {
			if h.FromHost = uriHost(raw[s.from.from:s.from.to]); h.FromHost == "" {
				return ParseHeadString(raw) // a later From may name a host: the first with one counts
			}
		}
		if s.to.to > 0 {
			if h.ToHost = uriHost(raw[s.to.from:s.to.to]); h.ToHost == "" {
				return ParseHeadString(raw)
			}
		}
	}
	return h
}

// scanHead walks m's head line by line (lines end at CRLF) to its blank line. It returns the length
// of the head with the blank line, or -1 when there is none yet, and the message's Content-Length
// as contentLength reads it.
func scanHead(m []byte, s *headSpans) (headLen, contentLen int) {
	*s = headSpans{}
	start := 0
	clSeen := false
	for line := 0; ; line++ {
		end, next := lineEnd(m, start)
		if end < 0 {
			return -1, 0
		}
		l := m[start:end]
		if line == 0 {
			s.startLine = span{start, end}
		} else if len(l) == 0 {
			return next, contentLen
		} else {
			scanHeader(m, start, end, s, &clSeen, &contentLen)
		}
		start = next
	}
}

// lineEnd finds the CRLF that ends the line starting at from: the line is m[from:end], the next one
// starts at next; end is -1 when no CRLF follows.
func lineEnd(m []byte, from int) (end, next int) {
	for i := from; i < len(m); {
		j := bytes.IndexByte(m[i:], '\n')
		if j < 0 {
			break
		}
		j += i
		if j > from && m[j-1] == '\r' {
			return j - 1, j + 1
		}
		i = j + 1
	}
	return -1, 0
}

// scanHeader reads one header line m[from:to]. Only lines whose key may be one the record or the
// framer wants are looked at further: those that start with c, i, f, t or l, and those that do not
// start with a letter at all (ParseHeadString trims the key first).
func scanHeader(m []byte, from, to int, s *headSpans, clSeen *bool, contentLen *int) {
	c := m[from]
	letter := ('a' <= c|0x20 && c|0x20 <= 'z')
	if letter {
		switch c | 0x20 {
		case 'c', 'i', 'f', 't', 'l':
		default:
			return
		}
	}
	l := m[from:to]
	key, colon := canonicalKey(l)
	if colon < 0 {
		if colon = bytes.IndexByte(l, ':'); colon < 0 {
			return
		}
		k := l[:colon]
		if !letter || colon == 0 || !plainEnd(k[colon-1]) {
			k = bytes.TrimSpace(k)
		}
		if !letter {
			s.slow = true // a key behind spaces: ParseHeadString's own reading is the exact one
		}
		if key = keyOf(k); key == keyOther && !ascii(k) {
			s.slow = true // strings.EqualFold folds ſ to s: such a key may still be CSeq
		}
	}
	var field *span
	switch key {
	case keyContentLength:
		if !*clSeen {
			*clSeen = true
			if n, err := strconv.Atoi(string(trimValue(l[colon+1:]))); err == nil && n >= 0 {
				*contentLen = n
			}
		}
		return
	case keyCallID:
		field = &s.callID
	case keyCSeq:
		field = &s.cseq
	case keyFrom:
		field = &s.from
	case keyTo:
		field = &s.to
	default:
		return
	}
	if field.to > 0 {
		return // the first one counts
	}
	rest := l[colon+1:]
	v := trimValue(rest)
	if len(v) == 0 {
		s.slow = true // ParseHeadString reads on to the next one
		return
	}
	if field == &s.cseq && !hasMethod(v) {
		s.slow = true // no method after the number: ParseHeadString takes a later CSeq too
		return
	}
	off := from + colon + 1 + cap(rest) - cap(v) // the trimmed value is a part of rest
	*field = span{off, off + len(v)}
}

// hasMethod reports a CSeq value with something after its number, as ParseHeadString reads it:
// the text after the first space, trimmed, is not empty.
func hasMethod(v []byte) bool {
	i := bytes.IndexByte(v, ' ')
	return i >= 0 && len(bytes.TrimSpace(v[i+1:])) > 0
}

// The header keys the framer and the record read.
const (
	keyOther = iota
	keyContentLength
	keyCallID
	keyCSeq
	keyFrom
	keyTo
)

// canonicalKey reads a line whose key is written as nearly every stack writes it, "Call-ID:" and
// the like, with no search for the colon; colon is -1 for any other line.
func canonicalKey(l []byte) (key, colon int) {
	has := func(p string) bool { return len(l) >= len(p) && string(l[:len(p)]) == p }
	switch {
	case len(l) >= 2 && l[1] == ':':
		switch l[0] {
		case 'i':
			return keyCallID, 1
		case 'l':
			return keyContentLength, 1
		case 'f':
			return keyFrom, 1
		case 't':
			return keyTo, 1
		}
	case has("Call-ID:"):
		return keyCallID, len("Call-ID")
	case has("CSeq:"):
		return keyCSeq, len("CSeq")
	case has("From:"):
		return keyFrom, len("From")
	case has("To:"):
		return keyTo, len("To")
	case has("Content-Length:"):
		return keyContentLength, len("Content-Length")
	case has("Contact:"):
		return keyOther, len("Contact") // a key of its own: no field, and nothing to fall back for
	case has("Content-Type:"):
		return keyOther, len("Content-Type")
	}
	return keyOther, -1
}

// keyOf names a key found by the general path.
func keyOf(k []byte) int {
	switch {
	case equalFold(k, "Content-Length") || equalFold(k, "l"):
		return keyContentLength
	case equalFold(k, "Call-ID") || equalFold(k, "i"):
		return keyCallID
	case equalFold(k, "CSeq"):
		return keyCSeq
	case equalFold(k, "From") || equalFold(k, "f"):
		return keyFrom
	case equalFold(k, "To") || equalFold(k, "t"):
		return keyTo
	}
	return keyOther
}

// trimValue is bytes.TrimSpace for a value that starts with blanks and ends in a plain byte, as
// nearly every value does, and bytes.TrimSpace itself otherwise.
func trimValue(v []byte) []byte {
	i := 0
	for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
		i++
	}
	if i == len(v) || !plainEnd(v[i]) || !plainEnd(v[len(v)-1]) {
		return bytes.TrimSpace(v)
	}
	return v[i:]
}

// plainEnd says a key ending in c has nothing for TrimSpace to take: c is ASCII and no space.
func plainEnd(c byte) bool {
	return c < 0x80 && c != ' ' && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r'
}

func ascii(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// Frames writes b and yields every whole message now buffered, each valid only until the loop body
// returns. When nothing is buffered, messages are cut from b itself and only an unfinished tail
// is copied: one copy fewer for the common read that holds whole messages.
func (f *Framer) Frames(b []byte) iter.Seq[*Frame] {
	return func(yield func(*Frame) bool) {
		if f.r < len(f.buf) || len(b) > f.max() {
			f.Write(b)
			for fr := f.nextFrame(); fr != nil; fr = f.nextFrame() {
				if !yield(fr) {
					return
				}
			}
			return
		}
		f.buf, f.r, f.seen = f.buf[:0], 0, 0
		for {
			n := skipCRLF(b)
			b = b[n:]
			headLen, body := scanHead(b, &f.frame.spans)
			if headLen < 0 || headLen+body > len(b) {
				f.buf = append(f.buf, b...)
				return
			}
			f.frame.Msg = b[: headLen+body : headLen+body]
			b = b[headLen+body:]
			if !yield(&f.frame) {
				f.buf = append(f.buf, b...)
				return
			}
		}
	}
}

func skipCRLF(b []byte) int {
	n := 0
	for n < len(b) && (b[n] == '\r' || b[n] == '\n') {
		n++
	}
	return n
}

// nextFrame is NextView with the head read: nil when no message is whole yet. A head still
// unfinished is not walked again for every read that adds to it: seen remembers how far the
// blank line was looked for.
func (f *Framer) nextFrame() *Frame {
	f.r += skipCRLF(f.buf[f.r:])
	rest := f.buf[f.r:]
	if from := max(f.seen-3, 0); from > len(rest) || bytes.Index(rest[from:], crlfcrlf) < 0 {
		f.seen = len(rest)
		return nil
	}
	headLen, body := scanHead(rest, &f.frame.spans)
	if headLen < 0 || headLen+body > len(rest) {
		f.seen = 0 // the head is whole: only its body is awaited
		return nil
	}
	n := headLen + body
	f.r += n
	f.seen = 0
	f.frame.Msg = rest[:n:n]
	return &f.frame
}
