package policy

import (
	"strings"
	"testing"
)

// unquotedQuotes counts the '"' characters not escaped as a quoted-pair.
func unquotedQuotes(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			n++
		}
	}
	return n
}

// An ms-diagnostics value is one header line whatever its values hold (a certificate's name, a
// domain, a resolver's error reach it from peers): no control character, and exactly two unescaped
// quotes per value, so no value can end its quoted-string early and add attributes or headers.
func FuzzDiagnosticHeader(f *testing.F) {
	f.Add(1010, "Certificate trust with another server could not be established", "PeerServer", "vcse.steven.lab", "sip.skype.lab")
	f.Add(1009, "No match", "fqdn1", "x\"\r\nVia: SIP/2.0/TLS evil", "sip.skype.lab")
	f.Add(1008, "a\\\"b", "domain", "\x00\x7f\\", "src\"")
	f.Fuzz(func(t *testing.T, code int, reason, key, value, source string) {
		if strings.ContainsAny(key, "\"\\;=") || strings.IndexFunc(key, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			t.Skip() // attribute names are the catalogue's own constants
		}
		d := Diagnostic{Code: code, Reason: reason, Attrs: []Attr{{Key: key, Value: value}, {Key: "b", Value: value}}}
		h := d.Header(source)
		if i := strings.IndexFunc(h, func(r rune) bool { return r < 0x20 || r == 0x7f }); i >= 0 {
			t.Fatalf("control character at %d in %q", i, h)
		}
		if n := unquotedQuotes(h); n != 2*(2+len(d.Attrs)) {
			t.Fatalf("%d unescaped quotes in %q, want %d", n, h, 2*(2+len(d.Attrs)))
		}
		if got := DiagnosticCode(h); got != code && code >= 0 {
			t.Fatalf("DiagnosticCode(%q) = %d, want %d", h, got, code)
		}
	})
}
