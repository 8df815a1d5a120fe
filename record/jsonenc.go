package record

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends a as encoding/json writes it with SetEscapeHTML(false) (SIP is full of <sip:…>;
// escaping it would only make the file harder to grep), without the newline:
// the same field names, order, omissions and escapes, byte for byte (TestAppendJSONMatchesEncodingJSON
// holds it to that). It exists because reflection over the record was the largest part of what
// recording costs a call. Like encoding/json, it fails on a time that RFC 3339 cannot hold; b is then
// returned as it was.
func AppendJSON(b []byte, a *Attempt) ([]byte, error) {
	e := jsonEnc{b: b}
	e.attempt(a)
	if e.err != nil {
		return b, e.err
	}
	return e.b, nil
}

// jsonEnc appends JSON to b; the first time that cannot be written sets err and the rest is discarded.
type jsonEnc struct {
	b   []byte
	err error
	sec secondText // the last time's second: an attempt's times mostly share one
}

// secondText is one second of one location as RFC 3339 writes it: the date and time before the
// fraction, and the zone after it.
type secondText struct {
	unix int64
	loc  *time.Location
	head [len("2006-01-02T15:04:05")]byte
	zone [len("-07:00")]byte
	nz   int
	ok   bool // set once head and zone hold unix in loc
	err  error
}

func (e *jsonEnc) attempt(a *Attempt) {
	e.b = append(e.b, '{')
	e.str("id", a.ID)
	e.str("direction", a.Direction)
	e.str("kind", a.Kind)
	e.time("start", a.Start)
	e.time("end", a.End)
	e.strOmit("peer", a.Peer)
	e.strOmit("peer_name", a.PeerName)
	e.strOmit("from_domain", a.FromDomain)
	e.strOmit("to_domain", a.ToDomain)
	e.strOmit("method", a.Method)
	e.strOmit("call_id", a.CallID)
	e.str("outcome", a.Outcome)
	e.intOmit("status", int64(a.Status))
	e.intOmit("ms_diagnostics", int64(a.Diagnostic))
	e.strOmit("result_code", a.ResultCode)
	e.key("messages")
	if a.Messages == nil {
		e.b = append(e.b, "null"...)
	} else {
		e.b = append(e.b, '[')
		for i := range a.Messages {
			e.comma(i)
			e.message(&a.Messages[i])
		}
		e.b = append(e.b, ']')
	}
	e.intOmit("messages_dropped", int64(a.Dropped))
	if len(a.DNS) > 0 {
		e.key("dns")
		e.b = append(e.b, '[')
		for i := range a.DNS {
			e.comma(i)
			e.dns(&a.DNS[i])
		}
		e.b = append(e.b, ']')
	}
	if len(a.TLS) > 0 {
		e.key("tls")
		e.b = append(e.b, '[')
		for i := range a.TLS {
			e.comma(i)
			e.tls(&a.TLS[i])
		}
		e.b = append(e.b, ']')
	}
	e.trace(a.Trace)
	e.strOmit("edge_log", a.EdgeLog)
	e.strOmit("error", a.Error)
	e.b = append(e.b, '}')
}

func (e *jsonEnc) message(m *Message) {
	e.b = append(e.b, '{')
	e.time("time", m.Time)
	e.boolean("out", m.Out)
	e.str("conn", m.Conn)
	e.str("start_line", m.StartLine)
	e.str("raw", m.Raw)
	e.b = append(e.b, '}')
}

func (e *jsonEnc) dns(l *DNSLookup) {
	e.b = append(e.b, '{')
	e.str("question", l.Question)
	e.str("type", l.Type)
	e.stringsOmit("answer", l.Answer)
	e.str("rcode", l.Rcode)
	e.boolean("cache_hit", l.CacheHit)
	e.strOmit("error", l.Error)
	e.b = append(e.b, '}')
}

func (e *jsonEnc) tls(t *TLS) {
	e.b = append(e.b, '{')
	e.str("conn", t.Conn)
	e.strOmit("version", t.Version)
	e.strOmit("cipher", t.Cipher)
	e.strOmit("sni", t.SNI)
	if len(t.Chain) > 0 {
		e.key("chain")
		e.b = append(e.b, '[')
		for i := range t.Chain {
			e.comma(i)
			e.cert(&t.Chain[i])
		}
		e.b = append(e.b, ']')
	}
	e.strOmit("alert", t.Alert)
	e.strOmit("error", t.Error)
	e.key("took_ns")
	e.b = strconv.AppendInt(e.b, int64(t.Took), 10)
	e.b = append(e.b, '}')
}

func (e *jsonEnc) cert(c *Cert) {
	e.b = append(e.b, '{')
	e.str("subject", c.Subject)
	e.str("issuer", c.Issuer)
	e.stringsOmit("san_dns", c.SANs)
	e.time("not_after", c.NotAfter)
	e.strOmit("ekus", c.EKUs)
	e.strOmit("signature_algorithm", c.Signature)
	e.b = append(e.b, '}')
}

// key starts a member: a comma unless it is the object's first.
func (e *jsonEnc) key(k string) {
	if e.b[len(e.b)-1] != '{' {
		e.b = append(e.b, ',')
	}
	e.b = append(e.b, '"')
	e.b = append(e.b, k...)
	e.b = append(e.b, '"', ':')
}

func (e *jsonEnc) comma(i int) {
	if i > 0 {
		e.b = append(e.b, ',')
	}
}

func (e *jsonEnc) str(k, v string) {
	e.key(k)
	e.b = appendJSONString(e.b, v)
}

func (e *jsonEnc) strOmit(k, v string) {
	if v != "" {
		e.str(k, v)
	}
}

func (e *jsonEnc) intOmit(k string, v int64) {
	if v != 0 {
		e.key(k)
		e.b = strconv.AppendInt(e.b, v, 10)
	}
}

func (e *jsonEnc) boolean(k string, v bool) {
	e.key(k)
	e.b = strconv.AppendBool(e.b, v)
}

// strings writes a []string that has no omitempty: nil is null, as encoding/json has it.
func (e *jsonEnc) strings(k string, v []string) {
	e.key(k)
	if v == nil {
		e.b = append(e.b, "null"...)
		return
	}
	e.b = append(e.b, '[')
	for i, s := range v {
		e.comma(i)
		e.b = appendJSONString(e.b, s)
	}
	e.b = append(e.b, ']')
}

func (e *jsonEnc) stringsOmit(k string, v []string) {
	if len(v) > 0 {
		e.strings(k, v)
	}
}

func (e *jsonEnc) time(k string, t time.Time) {
	e.key(k)
	e.timeValue(t)
}

// timeValue is time.Time's MarshalJSON without its allocation: RFC 3339 with nanoseconds, refused
// where RFC 3339 cannot say it (a year past 9999, a zone offset of a day or more). Only a new second
// is formatted by the time package; within it only the fraction is written here.
func (e *jsonEnc) timeValue(t time.Time) {
	if sec, loc := t.Unix(), t.Location(); !e.sec.ok || sec != e.sec.unix || loc != e.sec.loc {
		e.sec = secondOf(t)
	}
	if e.sec.err != nil {
		e.fail(e.sec.err)
	}
	e.b = append(e.b, '"')
	e.b = append(e.b, e.sec.head[:]...)
	if ns := t.Nanosecond(); ns != 0 {
		e.b = appendFraction(e.b, ns)
	}
	e.b = append(e.b, e.sec.zone[:e.sec.nz]...)
	e.b = append(e.b, '"')
}

// secondOf formats t's second through the time package and keeps the parts around the fraction.
func secondOf(t time.Time) secondText {
	s := secondText{unix: t.Unix(), loc: t.Location(), ok: true}
	var buf [64]byte
	b := t.Add(-time.Duration(t.Nanosecond())).AppendFormat(buf[:0], time.RFC3339Nano) // its second, no fraction
	num2 := func(b []byte) byte { return 10*(b[0]-'0') + (b[1] - '0') }
	switch {
	case len(b) < len(s.head)+1 || b[len("9999")] != '-':
		s.err = errors.New("record: a time's year is outside of range [0,9999]")
		s.ok = false // not kept: the next time formats again, and fails again
		return s
	case b[len(b)-1] != 'Z':
		if c := b[len(b)-len("Z07:00")]; ('0' <= c && c <= '9') || num2(b[len(b)-len("07:00"):]) >= 24 {
			s.err = errors.New("record: a time's zone hour is outside of range [0,23]")
		}
	}
	copy(s.head[:], b)
	s.nz = copy(s.zone[:], b[len(s.head):])
	return s
}

// appendFraction writes ".nnnnnnnnn" without its trailing zeros, as RFC3339Nano has it; ns > 0.
func appendFraction(b []byte, ns int) []byte {
	var d [10]byte
	d[0] = '.'
	for i := 9; i >= 1; i-- {
		d[i] = byte('0' + ns%10)
		ns /= 10
	}
	n := 10
	for d[n-1] == '0' {
		n--
	}
	return append(b, d[:n]...)
}

func (e *jsonEnc) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does without HTML escaping: ", \ and control bytes
// escaped, invalid UTF-8 as U+FFFD, and U+2028 and U+2029 escaped for JavaScript's sake.
//
// Eight bytes are read at a time, SIP running tens of bytes between the CRLFs, and a word with
// nothing to escape is stored as it was read: one load and one store, rather than a search for the
// next special byte and an append of the run before it for every CRLF of a message.
func appendJSONString(b []byte, s string) []byte {
	b = slices.Grow(b, len(s)+10) // every byte of s as it is, and a word's slack; an escape grows b again
	b = append(b, '"')
	for i := 0; ; {
		for i+8 <= len(s) { // b has room for the eight bytes: they are stored before they are judged
			x := binary.LittleEndian.Uint64([]byte(s[i : i+8]))
			n := len(b)
			binary.LittleEndian.PutUint64(b[n:n+8], x)
			if m := special(x); m != 0 {
				k := bits.TrailingZeros64(m) / 8 // exact: false alarms only come after a true one
				b, i = b[:n+k], i+k
				goto escape
			}
			b, i = b[:n+8], i+8
		}
		if r := len(s) - i; r > 0 { // the last few bytes, as one word too: zero bytes pad it
			var x uint64
			if len(s) >= 8 {
				x = binary.LittleEndian.Uint64([]byte(s[len(s)-8:])) >> (64 - 8*r)
			} else {
				var w [8]byte
				copy(w[:], s[i:])
				x = binary.LittleEndian.Uint64(w[:])
			}
			n := len(b)
			binary.LittleEndian.PutUint64(b[n:n+8], x)
			k := min(bits.TrailingZeros64(special(x))/8, r) // a pad byte is a control byte: past r it is no escape
			b, i = b[:n+k], i+k
		}
		if i >= len(s) {
			return append(b, '"')
		}
	escape:
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			var size int
			b, size = appendRune(b, s[i:])
			i += size
		case c == '\r' && i+1 < len(s) && s[i+1] == '\n': // SIP's line end, the escape a record is full of
			b = append(b, `\r\n`...)
			i += 2
		default:
			b = appendEscape(b, c)
			i++
		}
		b = slices.Grow(b, len(s)-i+9)
	}
}

// special has the high bit set of every byte of the little-endian word x that is a control byte,
// ", \ or past ASCII, and of none before the first such byte. Each term is a has-a-zero-byte test
// without its usual "&^ x" mask: that mask only clears bytes past ASCII, which "| x" flags anyway,
// and a borrow only runs from a byte already flagged into the ones above it.
func special(x uint64) uint64 {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	return ((x - 0x20*ones) | (x ^ '"'*ones - ones) | (x ^ '\\'*ones - ones) | x) & high
}

// appendRune writes the multi-byte character at the start of s: as it is, unless it is invalid
// (U+FFFD) or U+2028 or U+2029, which JavaScript would take for line ends.
func appendRune(b []byte, s string) ([]byte, int) {
	if len(s) >= 3 && s[0] >= 0xe1 && s[0] <= 0xef && s[0] != 0xed && s[1]&0xc0 == 0x80 && s[2]&0xc0 == 0x80 &&
		(s[0] != 0xe2 || s[1] != 0x80 || s[2]&0xfe != 0xa8) { // valid, and not U+2028 or U+2029: "→" in every conn
		return append(b, s[0], s[1], s[2]), 3
	}
	r, size := utf8.DecodeRuneInString(s)
	switch {
	case r == utf8.RuneError && size == 1:
		return append(b, `\ufffd`...), size
	case r == '\u2028' || r == '\u2029':
		return append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF]), size
	}
	return append(b, s[:size]...), size
}

func appendEscape(b []byte, c byte) []byte {
	switch c {
	case '\\', '"':
		return append(b, '\\', c)
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}
