package policy

import (
	"strconv"
	"strings"
)

// Attr is one ordered name="value" pair of an ms-diagnostics header or an Edge-log Data line.
type Attr struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Diagnostic is one ms-diagnostics entry. Attribute order is part of the wire contract (§4).
type Diagnostic struct {
	Code   int    `json:"code"`
	Reason string `json:"reason"`
	Attrs  []Attr `json:"attrs,omitempty"`
}

// Header renders the header value exactly as the Edge writes it:
// code;reason="…";attr="…"…;source="<edge fqdn>" with no spaces anywhere.
func (d Diagnostic) Header(source string) string {
	var b strings.Builder
	b.Grow(64 + len(d.Reason) + 32*len(d.Attrs))
	b.WriteString(strconv.Itoa(d.Code))
	b.WriteString(`;reason="`)
	writeQuoted(&b, d.Reason)
	b.WriteByte('"')
	for _, a := range d.Attrs {
		b.WriteByte(';')
		writeAttr(&b, a)
	}
	b.WriteString(`;source="`)
	writeQuoted(&b, source)
	b.WriteByte('"')
	return b.String()
}

// Attr returns the value of the named attribute, "" when absent.
func (d Diagnostic) Attr(key string) string {
	for _, a := range d.Attrs {
		if a.Key == key {
			return a.Value
		}
	}
	return ""
}

func writeAttr(b *strings.Builder, a Attr) {
	b.WriteString(a.Key)
	b.WriteString(`="`)
	writeQuoted(b, a.Value)
	b.WriteByte('"')
}

// writeQuoted writes v as the inside of a quoted-string (RFC 3261 §25.1). Values come from peers
// too (a certificate's name, a domain, a resolver's error), so a quote or backslash is escaped as a
// quoted-pair and a control character, which no quoted-string may hold, becomes '?': otherwise a
// certificate named `x"\r\nVia: …` would write headers into the Edge's answer and records into its log.
func writeQuoted(b *strings.Builder, v string) {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			b.WriteByte('?')
		default:
			b.WriteByte(c)
		}
	}
}

// JoinAttrs is the Edge log's Data form: name="value" pairs joined with ';'.
func JoinAttrs(attrs []Attr) string {
	var b strings.Builder
	for i, a := range attrs {
		if i > 0 {
			b.WriteByte(';')
		}
		writeAttr(&b, a)
	}
	return b.String()
}

// DiagnosticCode reads the code that leads an ms-diagnostics value ("1009;reason=…" → 1009); 0 when none.
func DiagnosticCode(header string) int {
	code, _, _ := strings.Cut(header, ";")
	n, err := strconv.Atoi(strings.TrimSpace(code))
	if err != nil {
		return 0
	}
	return n
}
