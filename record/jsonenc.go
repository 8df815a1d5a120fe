package record

import (
	"errors"
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

// appendJSONString quotes s as encoding/json does without HTML escaping: ", \ and control bytes
// escaped, invalid UTF-8 as U+FFFD, and U+2028 and U+2029 escaped for JavaScript's sake.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = appendEscape(b, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
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
