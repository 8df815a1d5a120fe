package sipstack

import (
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
)

// Whatever a peer sends that sipgo parses into a request, extracting its facts neither panics nor
// invents: every fact is the request's own (start line, Call-ID, CSeq) or empty.
func FuzzRequestFacts(f *testing.F) {
	for _, s := range []string{
		"INVITE sip:stejanss@skype.lab SIP/2.0\r\nVia: SIP/2.0/TLS 10.0.0.1:5061;branch=z9hG4bK1\r\nFrom: <sip:2000@acano.steven.lab>;tag=1\r\nTo: <sip:stejanss@skype.lab>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nP-Asserted-Identity: \"x\" <sip:2000@cms.steven.lab>, <tel:+1555>\r\nContent-Length: 0\r\n\r\n",
		"OPTIONS sip:skype.lab SIP/2.0\r\nVia: SIP/2.0/TLS h;branch=z9hG4bK2\r\nFrom: sip:a@b;tag=2\r\nTo: sip:c@d\r\nCall-ID: c2\r\nCSeq: 2 OPTIONS\r\nP-Asserted-Identity: <tel:+1555>\r\nContent-Length: 0\r\n\r\n",
		"MESSAGE sip:u@h SIP/2.0\r\nv: SIP/2.0/TLS h;branch=z9hG4bK3\r\nf: <sip:a@b>\r\nt: <sip:c@d>\r\ni: c3\r\nCSeq: 3 MESSAGE\r\nP-Asserted-Identity: ,,,<sip:@>,\"\r\nl: 0\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	p := sip.NewParser()
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := p.ParseSIP(data)
		if err != nil {
			return
		}
		req, ok := msg.(*sip.Request)
		if !ok {
			return
		}
		req.SetSource("127.0.0.1:5061")
		r := requestFacts(req)
		if r.Method != string(req.Method) || r.StartLine != req.StartLine() {
			t.Fatalf("method %q / start line %q do not match the request", r.Method, r.StartLine)
		}
		if c := req.CallID(); c != nil && r.CallID != c.Value() {
			t.Fatalf("Call-ID %q, request has %q", r.CallID, c.Value())
		}
		if r.PAIHost != "" && !strings.Contains(strings.ToLower(req.GetHeader("P-Asserted-Identity").Value()), strings.ToLower(r.PAIHost)) {
			t.Fatalf("PAI host %q is not in %q", r.PAIHost, req.GetHeader("P-Asserted-Identity").Value())
		}
		if !r.Source.IsValid() {
			t.Fatal("source address lost")
		}
	})
}
