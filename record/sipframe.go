package record

import (
	"bytes"
	"strconv"
	"strings"
)

// Framer cuts a stream of SIP over TLS into messages: headers to the blank line, then
// Content-Length bytes of body. Keep-alive CRLFs between messages are skipped. The buffer is
// bounded: a stream that is not SIP is thrown away rather than kept.
type Framer struct {
	buf []byte
	Max int // bytes buffered before giving up on the stream; 0: 1 MiB
}

// Write adds bytes received in order.
func (f *Framer) Write(b []byte) {
	max := f.Max
	if max <= 0 {
		max = 1 << 20
	}
	if len(f.buf)+len(b) > max {
		f.buf = f.buf[:0]
		return
	}
	f.buf = append(f.buf, b...)
}

// Next returns the next whole message, a copy, or nil when none is complete yet.
func (f *Framer) Next() []byte {
	i := 0
	for i < len(f.buf) && (f.buf[i] == '\r' || f.buf[i] == '\n') {
		i++
	}
	f.buf = f.buf[i:]
	end := bytes.Index(f.buf, []byte("\r\n\r\n"))
	if end < 0 {
		return nil
	}
	end += 4
	n := end + contentLength(f.buf[:end])
	if n > len(f.buf) {
		return nil
	}
	msg := append([]byte(nil), f.buf[:n]...)
	f.buf = f.buf[n:]
	if len(f.buf) == 0 {
		f.buf = nil
	}
	return msg
}

func contentLength(head []byte) int {
	v, ok := Header(head, "Content-Length", "l")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// Header finds a header's first value in a message's head by its name or compact form.
func Header(msg []byte, name, compact string) (string, bool) {
	head := msg
	if i := bytes.Index(msg, []byte("\r\n\r\n")); i >= 0 {
		head = msg[:i]
	}
	lines := bytes.Split(head, []byte("\r\n"))
	for _, l := range lines[1:] {
		k, v, ok := bytes.Cut(l, []byte(":"))
		if !ok {
			continue
		}
		k = bytes.TrimSpace(k)
		if strings.EqualFold(string(k), name) || (compact != "" && strings.EqualFold(string(k), compact)) {
			return string(bytes.TrimSpace(v)), true
		}
	}
	return "", false
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
func ParseHead(msg []byte) Head {
	var h Head
	line, _, _ := bytes.Cut(msg, []byte("\r\n"))
	h.StartLine = string(line)
	if rest, ok := strings.CutPrefix(h.StartLine, "SIP/2.0 "); ok {
		code, _, _ := strings.Cut(rest, " ")
		h.Status, _ = strconv.Atoi(code)
	} else {
		h.Method, _, _ = strings.Cut(h.StartLine, " ")
	}
	h.CallID, _ = Header(msg, "Call-ID", "i")
	if v, ok := Header(msg, "CSeq", ""); ok {
		no, m, _ := strings.Cut(v, " ")
		n, _ := strconv.ParseUint(no, 10, 32)
		h.CSeqNo, h.CSeq = uint32(n), strings.TrimSpace(m)
	}
	if v, ok := Header(msg, "From", "f"); ok {
		h.FromHost = uriHost(v)
	}
	if v, ok := Header(msg, "To", "t"); ok {
		h.ToHost = uriHost(v)
	}
	return h
}

// uriHost is the host of the first sip: or sips: URI in a header value.
func uriHost(v string) string {
	i := strings.Index(strings.ToLower(v), "sip")
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
