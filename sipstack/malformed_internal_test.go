package sipstack

import (
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
)

// The LWS that RFC 3261 §25.1 allows around "=" and ";" is gone before sipgo parses, including in
// a comma list, whose second value sipgo finds through the mapped comma index.
func TestLWSParamsAreDropped(t *testing.T) {
	p := sip.NewParser(sip.WithHeadersParsers(edgeHeaderParsers()))
	msg := "OPTIONS sip:a@b.example SIP/2.0\r\n" +
		"Via: SIP/2.0/TLS a.example ;  branch  =  z9hG4bK1 , SIP/2.0/TLS b.example; branch= z9hG4bK2\r\n" +
		"From: \"A ; b = c\" <sip:a@x.example> ;   tag    = 98asjd8\r\n" +
		"To: <sip:b@y.example;lr> ; tag = t1\r\n" +
		"Call-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
	m, err := p.ParseSIP([]byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	req := m.(*sip.Request)
	if tag, _ := req.From().Params.Get("tag"); tag != "98asjd8" || req.From().DisplayName != "A ; b = c" {
		t.Errorf("From %q: tag %q", req.From().Value(), tag)
	}
	if tag, _ := req.To().Params.Get("tag"); tag != "t1" {
		t.Errorf("To %q: tag %q", req.To().Value(), tag)
	}
	vias := req.GetHeaders("Via")
	if len(vias) != 2 || vias[0].Value() != "SIP/2.0/TLS a.example;branch=z9hG4bK1" || vias[1].Value() != "SIP/2.0/TLS b.example;branch=z9hG4bK2" {
		t.Errorf("Vias %v", vias)
	}
}

func TestUnreadableHeadersAreKept(t *testing.T) {
	p := sip.NewParser(sip.WithHeadersParsers(edgeHeaderParsers()))
	msg := "INVITE sip:a@b.example SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.15;;,;,,\r\n" +
		"From: <sip:a@x.example>;tag=1\r\nTo: \"Mr. J. User <sip:j.user@example.com>\r\n" +
		"Call-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
	m, err := p.ParseSIP([]byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	req := m.(*sip.Request)
	if got := malformedHeader(req); got != "Via" {
		t.Errorf("malformed %q, want Via", got)
	}
	req.Via().Params.Remove(markMalformedVia)
	if got := malformedHeader(req); got != "To" || req.GetHeader("To").Value() != "\"Mr. J. User <sip:j.user@example.com>" {
		t.Errorf("malformed %q, To %v", got, req.GetHeader("To"))
	}
}

func TestPlaceholderLine(t *testing.T) {
	for line, want := range map[string]string{
		"OPTIONS sip:a@b.example SIP/2.0":         "",
		"OPTIONS unknownscheme:a@b SIP/2.0":       "", // sipgo parses it; the handler's 416
		"OPTIONS soap.beep://192.0.2.103 SIP/2.0": badURIScheme,
		"INVITE <sip:user@example.com> SIP/2.0":   badRequestURI,
		"INVITE  sip:user@example.com  SIP/2.0":   badRequestLine,
		"OPTIONS sip:a@example.com SIP/2.0  ":     badRequestLine,
		"There's no way to know":                  "",
		"C":                                       "",
	} {
		got := placeholderLine(line)
		if want == "" && got != "" || want != "" && !strings.HasPrefix(got, strings.Fields(line)[0]+" sip:"+want+"@"+startLineHost+" SIP/2.0\r\n") {
			t.Errorf("%q: placeholder %q, want %q", line, got, want)
		}
		if want == "" && !startLineFine([]byte(line)) && got != "" {
			t.Errorf("%q rewritten", line)
		}
	}
}
