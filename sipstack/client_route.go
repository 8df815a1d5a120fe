package sipstack

import (
	"strings"

	"github.com/emiago/sipgo/sip"
)

// addVia gives an in-dialog request the Edge's own Via when the INVITE carried one.
func (cc *clientCall) addVia(req *sip.Request) {
	if cc.via == "" {
		return
	}
	if v, err := edgeVia(cc.via); err == nil { // the INVITE's Via parsed the same value
		req.AppendHeader(v)
	}
}

// dropRecordRoute removes the Edge's own entry from the answer's Record-Route set: the Edge is the
// first hop of the route, and its own requests start after it (RFC 3261 §16.12.1.2).
func dropRecordRoute(res *sip.Response, own string) {
	if own == "" {
		return
	}
	rrs := res.GetHeaders("record-route")
	kept := make([]string, 0, len(rrs))
	for _, h := range rrs {
		for _, v := range splitRoutes(h.Value()) {
			if !sameRoute(v, own) {
				kept = append(kept, v)
			}
		}
	}
	for _, h := range rrs {
		res.RemoveHeader(h.Name()) // one at a time, by the name as it was received
	}
	for _, v := range kept {
		res.AppendHeader(sip.NewHeader("Record-Route", v))
	}
}

// splitRoutes splits a comma-joined Record-Route value outside <…>.
func splitRoutes(v string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range v {
		switch r {
		case '<':
			depth++
		case '>':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(v[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(v[start:]))
}

// sameRoute compares two route entries by their URI, which is what identifies the hop.
func sameRoute(a, b string) bool {
	uri := func(s string) string {
		if i := strings.IndexByte(s, '<'); i >= 0 {
			if j := strings.IndexByte(s[i:], '>'); j > 0 {
				return strings.ToLower(s[i+1 : i+j])
			}
		}
		return strings.ToLower(strings.TrimSpace(s))
	}
	return uri(a) == uri(b)
}
