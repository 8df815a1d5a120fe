package sipstack

import (
	"reflect"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// sipgo's header parsers fail a whole stream on one bad From, To, Contact or Via (its reader then
// closes the connection), and keep the linear whitespace RFC 3261 §25.1 allows around "=" and ";"
// (and "," in a Via) inside the key or value, so "tag = x" has the key "tag " (RFC 4475 wsinv). The Edge's
// parsers drop that whitespace before sipgo's own parser runs, and turn a header sipgo still
// cannot read into one the handler can answer with 400 while sipgo frames the rest by its
// Content-Length. A well-formed value costs one scan for LWS next to those separators.

// edgeHeaderParsers is sipgo's default set with From, To, Contact and Via wrapped.
func edgeHeaderParsers() map[string]sip.HeaderParser {
	m := make(map[string]sip.HeaderParser)
	for k, p := range sip.DefaultHeadersParser() {
		m[k] = p
	}
	for _, n := range [][2]string{{"from", "From"}, {"f", "From"}, {"to", "To"}, {"t", "To"}, {"contact", "Contact"}, {"m", "Contact"}} {
		m[n[0]] = lenientAddress(n[1], m[n[0]])
	}
	m["cseq"] = lenientAddress("CSeq", m["cseq"])
	m["via"] = lenientVia(m["via"])
	m["v"] = lenientVia(m["v"])
	return m
}

// lenientAddress keeps a From, To or Contact sipgo cannot parse as a plain header of the same
// name: the typed header is then missing, and the handler answers "400 Bad Request - Malformed To".
func lenientAddress(name string, parse sip.HeaderParser) sip.HeaderParser {
	return func(hn []byte, text string) (sip.Header, error) {
		h, err := parseLWS(parse, hn, text, false)
		if err != nil && !isCommaErr(err) {
			return sip.NewHeader(name, text), nil
		}
		return h, err
	}
}

// markMalformedVia flags a Via that sipgo could read only once its empty parameters were dropped
// (RFC 4475 badinv01): the Via still keys a transaction and is copied into the 400.
var markMalformedVia = "x-edgesim-malformed-" + strings.ToLower(newTag()[:8])

func lenientVia(parse sip.HeaderParser) sip.HeaderParser {
	return func(hn []byte, text string) (sip.Header, error) {
		if !hasEmptyElements(text) {
			h, err := parseLWS(parse, hn, text, true)
			if err == nil || isCommaErr(err) {
				return h, err
			}
		}
		// Only the first element is kept: what follows a broken one cannot be trusted.
		first, _, _ := strings.Cut(text, ",")
		v, verr := parse(hn, dropEmptyParams(first))
		if verr != nil {
			return sip.NewHeader(markMalformedVia, text), nil // no Via: sipgo's stateless 400
		}
		v.(*sip.ViaHeader).Params.Add(markMalformedVia, "")
		return v, nil
	}
}

// hasEmptyElements spots "host;;", ";," and ",,": sipgo reads the first Via and then fails on the
// empty one, too late to mark the Via a transaction is keyed on.
func hasEmptyElements(s string) bool {
	s = strings.TrimRight(s, " \t")
	return strings.Contains(s, ";;") || strings.Contains(s, ";,") || strings.Contains(s, ",,") ||
		strings.HasSuffix(s, ";") || strings.HasSuffix(s, ",")
}

// dropEmptyParams removes empty ";" parameters: "host;;" is "host".
func dropEmptyParams(s string) string {
	parts := strings.Split(s, ";")
	kept := parts[:1]
	for _, p := range parts[1:] {
		if strings.TrimSpace(p) != "" {
			kept = append(kept, p)
		}
	}
	return strings.TrimSpace(strings.Join(kept, ";"))
}

// parseLWS runs sipgo's parser on text without LWS around separators. sipgo's comma error gives
// the index where the next value starts, so it is mapped back to the text sipgo's caller holds.
// commas: "," separates values too (Via); in a From or To it may be part of a display name.
func parseLWS(parse sip.HeaderParser, hn []byte, text string, commas bool) (sip.Header, error) {
	if !hasSeparatorLWS(text, commas) {
		return parse(hn, text)
	}
	norm, index := stripSeparatorLWS(text, commas)
	h, err := parse(hn, norm)
	if isCommaErr(err) {
		err = commaErrAt(err, index[reflect.ValueOf(err).Int()])
	}
	return h, err
}

func isLWS(c byte) bool { return c == ' ' || c == '\t' }

func isSeparator(c byte, commas bool) bool { return c == '=' || c == ';' || commas && c == ',' }

// hasSeparatorLWS is the one scan a well-formed value costs.
func hasSeparatorLWS(s string, commas bool) bool {
	for i := 1; i < len(s); i++ {
		if isLWS(s[i]) && isSeparator(s[i-1], commas) || isSeparator(s[i], commas) && isLWS(s[i-1]) {
			return true
		}
	}
	return false
}

// stripSeparatorLWS drops LWS next to "=" and ";" (and "," when commas) outside quoted strings and <...>, and
// returns for each kept byte its index in s.
func stripSeparatorLWS(s string, commas bool) (string, []int) {
	out := make([]byte, 0, len(s))
	index := make([]int, 0, len(s)+1)
	quoted, angle := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\\' && i+1 < len(s):
			out, index = append(out, c, s[i+1]), append(index, i, i+1)
			i++
			continue
		case c == '"' && !angle:
			quoted = !quoted
		case !quoted && c == '<':
			angle = true
		case !quoted && c == '>':
			angle = false
		case !quoted && !angle && isLWS(c) && (nextNonLWSIsSeparator(s, i, commas) || len(out) > 0 && isSeparator(out[len(out)-1], commas)):
			continue
		}
		out, index = append(out, c), append(index, i)
	}
	return string(out), append(index, len(s))
}

func nextNonLWSIsSeparator(s string, i int, commas bool) bool {
	for ; i < len(s) && isLWS(s[i]); i++ {
	}
	return i < len(s) && isSeparator(s[i], commas)
}

// sipgo signals "another value follows at index i" with an unexported error type, known by name.
func isCommaErr(err error) bool {
	if err == nil {
		return false
	}
	t := reflect.TypeOf(err)
	return t.Name() == "errComaDetected" && t.PkgPath() == "github.com/emiago/sipgo/sip" && t.Kind() == reflect.Int
}

func commaErrAt(err error, i int) error {
	v := reflect.New(reflect.TypeOf(err)).Elem()
	v.SetInt(int64(i))
	return v.Interface().(error)
}
