package sipstack

import (
	"bytes"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// sipgo fails the whole stream on a request line it cannot parse (RFC 4475 novelsc, ltgtruri,
// lwsruri, lwsstart, trws) and its reader closes the connection, although the headers and
// Content-Length that frame the message are intact. The Edge's connection looks at each start
// line it reads before sipgo does: one that sipgo would refuse but that is still a method, a URI
// and a SIP version is replaced by a placeholder request line naming what was wrong, so sipgo
// frames and delivers the message, the handler answers 400 or 416 with the message's own Via,
// From, To, Call-ID and CSeq, and the connection reads on. A start line split across two reads
// (rare with 4 KiB reads) is left to sipgo, as is anything that is no request line at all.

// startLineHost marks the placeholder Request-URI; its user part says what was wrong.
var startLineHost = strings.ToLower(newTag()[:12]) + ".malformed.invalid"

const (
	badURIScheme   = "uri-scheme"   // 416 Unsupported URI Scheme
	badRequestURI  = "request-uri"  // 400 Bad Request - Malformed Request-URI
	badRequestLine = "request-line" // 400 Bad Request - Malformed Request-Line
)

// fixStartLines rewrites b[:n] in place (overflow kept for the next Read) and returns its length.
// A read whose start lines all look well-formed costs one IndexByte and a few compares each.
func (c *edgeConn) fixStartLines(b []byte, n int) int {
	var out []byte
	done := 0
	for _, s := range c.framer.starts {
		e := bytes.IndexByte(b[s:n], '\n')
		if e < 0 {
			continue
		}
		line := bytes.TrimRight(b[s:s+e], "\r")
		if startLineFine(line) {
			continue
		}
		repl := placeholderLine(string(line))
		if repl == "" {
			continue
		}
		out = append(append(out, b[done:s]...), repl...)
		done = s + e + 1
	}
	if out == nil {
		return n
	}
	out = append(out, b[done:n]...)
	k := copy(b, out)
	c.rewritten = append(c.rewritten, out[k:]...)
	return k
}

// drainPending hands sipgo what a rewrite did not fit into its buffer.
func (c *edgeConn) drainPending(b []byte) int {
	k := copy(b, c.rewritten)
	c.rewritten = append(c.rewritten[:0], c.rewritten[k:]...)
	return k
}

// startLineFine is the cheap test: a response, or "METHOD sip:... SIP/x" with single spaces.
func startLineFine(line []byte) bool {
	if bytes.HasPrefix(line, []byte("SIP/")) {
		return true
	}
	i, j := bytes.IndexByte(line, ' '), bytes.LastIndexByte(line, ' ')
	if i <= 0 || j <= i+1 || !bytes.HasPrefix(line[j+1:], []byte("SIP/")) {
		return false
	}
	uri := line[i+1 : j]
	return bytes.IndexAny(uri, " <>") < 0 &&
		(bytes.HasPrefix(uri, []byte("sip:")) || bytes.HasPrefix(uri, []byte("sips:")) || bytes.HasPrefix(uri, []byte("tel:")))
}

// placeholderLine is the request line that stands in for one sipgo refuses, or "" to leave the
// line alone: sipgo accepts it, or it is no request line at all (framing lost: sipgo closes).
func placeholderLine(line string) string {
	if sipgoAcceptsRequestLine(line) {
		return ""
	}
	f := strings.Fields(line)
	if len(f) < 3 || !isToken(f[0]) || !strings.HasPrefix(strings.ToUpper(f[len(f)-1]), "SIP/") {
		return ""
	}
	what := badRequestLine
	if len(f) == 3 && strings.Count(line, " ") == 2 {
		what = badRequestURI
		if s, _, ok := strings.Cut(f[1], ":"); ok && isScheme(s) && !servedScheme(strings.ToLower(s)) {
			what = badURIScheme
		}
	}
	return strings.ToUpper(f[0]) + " sip:" + what + "@" + startLineHost + " SIP/2.0\r\n"
}

// sipgoAcceptsRequestLine mirrors sipgo's parseLine for requests: exactly two spaces, a version
// starting "SIP", a URI ParseUri reads and no wildcard.
func sipgoAcceptsRequestLine(line string) bool {
	m, rest, ok := strings.Cut(line, " ")
	uri, ver, ok2 := strings.Cut(rest, " ")
	if !ok || !ok2 || m == "" || strings.IndexByte(ver, ' ') >= 0 || len(ver) < 3 || !strings.EqualFold(ver[:3], "sip") {
		return false
	}
	var u sip.Uri
	return sip.ParseUri(uri, &u) == nil && !u.Wildcard
}

// isScheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1).
func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		alpha := c|0x20 >= 'a' && c|0x20 <= 'z'
		if !alpha && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return s != ""
}

// isToken: RFC 3261 §25.1 token characters.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-.!%*_+`'~", c) >= 0) {
			return false
		}
	}
	return s != ""
}

// malformedStartLine is the placeholder's verdict for the handler: status and reason, or 0.
func malformedStartLine(req *sip.Request) (int, string) {
	if req.Recipient.Host != startLineHost {
		return 0, ""
	}
	switch req.Recipient.User {
	case badURIScheme:
		return 416, "Unsupported URI Scheme"
	case badRequestURI:
		return 400, "Bad Request - Malformed Request-URI"
	}
	return 400, "Bad Request - Malformed Request-Line"
}
