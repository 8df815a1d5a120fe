package record

import (
	"errors"
	"math/bits"
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
// where RFC 3339 cannot say it (a year past 9999, a zone offset of a day or more).
func (e *jsonEnc) timeValue(t time.Time) {
	e.b = append(e.b, '"')
	n0 := len(e.b)
	e.b = t.AppendFormat(e.b, time.RFC3339Nano)
	num2 := func(b []byte) byte { return 10*(b[0]-'0') + (b[1] - '0') }
	switch b := e.b; {
	case b[n0+len("9999")] != '-':
		e.fail(errors.New("record: a time's year is outside of range [0,9999]"))
	case b[len(b)-1] != 'Z':
		if c := b[len(b)-len("Z07:00")]; ('0' <= c && c <= '9') || num2(b[len(b)-len("07:00"):]) >= 24 {
			e.fail(errors.New("record: a time's zone hour is outside of range [0,23]"))
		}
	}
	e.b = append(e.b, '"')
}

func (e *jsonEnc) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

const hexDigits = "0123456789abcdef"

// jsonSafe are the ASCII bytes a JSON string holds as they are: one table look-up per byte of a SIP
// message, the bulk of a record, rather than three comparisons.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendJSONString quotes s as encoding/json does without HTML escaping: ", \ and control bytes
// escaped, invalid UTF-8 as U+FFFD, and U+2028 and U+2029 escaped for JavaScript's sake.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := nextSpecial(s, 0); i < len(s); i = nextSpecial(s, start) {
		b = append(b, s[start:i]...)
		switch c := s[i]; {
		case c == '\r' && i+1 < len(s) && s[i+1] == '\n': // SIP's line end, the escape a record is full of
			b = append(b, `\r\n`...)
			start = i + 2
		case c < utf8.RuneSelf:
			b = appendEscape(b, c)
			start = i + 1
		default:
			var size int
			b, size = appendRune(b, s[i:])
			start = i + size
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// nextSpecial is the index of the first byte from i on that is not printable ASCII other than " and
// \, or len(s). It reads eight bytes at a time, SIP running tens of bytes between the CRLFs, with
// the has-a-zero-byte trick: each byte of w that is a control byte, ", \ or past ASCII gets its
// high bit set; false alarms only ever come after a true one, so the lowest bit set is exact.
// (It is written out here, not called, so that it is inlined: this loop is most of a record's cost.)
func nextSpecial(s string, i int) int {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(s); i += 8 {
		w := s[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		quote, backslash := x^('"'*ones), x^('\\'*ones)
		if m := ((x-0x20*ones)&^x | (quote-ones)&^quote | (backslash-ones)&^backslash | x) & high; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || !jsonSafe[c] {
			return i
		}
	}
	return i
}

// appendRune writes the multi-byte character at the start of s: as it is, unless it is invalid
// (U+FFFD) or U+2028 or U+2029, which JavaScript would take for line ends.
func appendRune(b []byte, s string) ([]byte, int) {
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
