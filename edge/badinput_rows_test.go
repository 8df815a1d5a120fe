package edge

import "strings"

// The rows of TestBadInputMatrix, grouped: the start line, the headers, then what the headers mean.

func startLineRows() []badRow {
	return []badRow{
		{name: "other SIP version", start: "OPTIONS sip:stejanss@skype.lab SIP/7.0", want: "505", why: "RFC 3261 §21.5.7"},
		{name: "SIP/1.0", start: "OPTIONS sip:stejanss@skype.lab SIP/1.0", want: "505", why: "RFC 3261 §21.5.7"},
		{name: "unknown method", method: "FOO", want: "501", why: "RFC 3261 §21.5.2"},
		{name: "lower-case method is another method", start: "options sip:stejanss@skype.lab SIP/2.0", set: map[string]string{"CSeq": "1 options"}, want: "400", why: "sipgo upper-cases the start line's method but not CSeq's, which then differ (§8.1.1.5)"},
		{name: "REGISTER to an Edge", method: "REGISTER", want: "405", why: "federation has no registrar"},
		{name: "PRACK", method: "PRACK", want: "405", why: "not offered in Allow"},
		{name: "PUBLISH", method: "PUBLISH", want: "405", why: "not offered in Allow"},
		{name: "no SIP version", start: "OPTIONS sip:stejanss@skype.lab", want: "close", why: "no start line to answer"},
		{name: "not a URI", start: "OPTIONS not-a-uri SIP/2.0", want: "400", why: "unparsable Request-URI: 400 Bad Request - Malformed Request-URI, the connection stays"},
		{name: "tel URI", start: "OPTIONS tel:+15551234 SIP/2.0", want: "404", why: "no served user"},
		{name: "URI of another domain", start: "OPTIONS sip:someone@elsewhere.example SIP/2.0", want: "404", why: "not a served domain: 1003"},
		{name: "URI with escaped user", start: "OPTIONS sip:%73tejanss@skype.lab SIP/2.0", want: "200", why: "§19.1.4 escaped characters"},
		{name: "URI with parameters", start: "OPTIONS sip:stejanss@skype.lab;transport=tls;lr SIP/2.0", want: "200", why: "URI syntax"},
		{name: "NUL byte in the Request-URI", start: "OPTIONS sip:stej\x00anss@skype.lab SIP/2.0", want: "400", why: "RFC 3261 §25.1: a URI has no control characters"},
		{name: "invalid UTF-8 in the Request-URI", start: "OPTIONS sip:stej\xff\xfeanss@skype.lab SIP/2.0", want: "400", why: "§25.1: a URI's characters are escaped, never raw bytes"},
		{name: "NUL byte in the From URI", set: map[string]string{"From": "<sip:2000\x00@acano.steven.lab>;tag=n{n}"}, want: "400", why: "§25.1"},
		{name: "URI with headers", start: "OPTIONS sip:stejanss@skype.lab;transport=tls;lr?Subject=x SIP/2.0", want: "400", why: "§19.1.1: no headers in a Request-URI (RFC 4475 escruri)"},
		{name: "a response sent as a request", raw: "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS vcse.acano.steven.lab:5061;branch=z9hG4bKstray{n}\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: stray-{n}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", want: "none", why: "a stray response matches no transaction"},
		{name: "keep-alive CRLFs only", raw: "\r\n\r\n", want: "none", why: "RFC 5626 §3.5.1"},
		{name: "binary garbage", raw: strings.Repeat("\xff\xfe\x00\x01", 64) + "\r\n\r\n", want: "close", why: "not SIP"},
		{name: "start line alone", raw: "OPTIONS sip:stejanss@skype.lab SIP/2.0\r\n\r\n", want: "close", why: "no Via: nowhere to send an answer"},
	}
}

func headerRows() []badRow {
	rows := []badRow{
		{name: "no Via", set: map[string]string{"Via": ""}, want: "400", why: "§8.1.1; answered on the connection"},
		{name: "no From", set: map[string]string{"From": ""}, want: "400", why: "§8.1.1"},
		{name: "no To", set: map[string]string{"To": ""}, want: "400", why: "§8.1.1"},
		{name: "no Call-ID", set: map[string]string{"Call-ID": ""}, want: "400", why: "§8.1.1"},
		{name: "no CSeq", set: map[string]string{"CSeq": ""}, want: "400", why: "§8.1.1"},
		{name: "no Max-Forwards", set: map[string]string{"Max-Forwards": ""}, want: "200", why: "tolerated, as RFC 2543 peers omit it"},
		{name: "no Content-Length on a stream", rawLen: "-", want: "close", why: "§18.3: a stream cannot be framed without it"},
		{name: "CSeq not a number", set: map[string]string{"CSeq": "abc OPTIONS"}, want: "400", why: "unparsable CSeq keys no transaction: sipgo's stateless 400, the connection stays"},
		{name: "CSeq method differs", set: map[string]string{"CSeq": "1 INVITE"}, want: "400", why: "§8.2.2 … CSeq method must match"},
		{name: "CSeq beyond 2^32", set: map[string]string{"CSeq": "4294967296 OPTIONS"}, want: "400", why: "§8.1.1.5 32-bit: sipgo's stateless 400, the connection stays"},
		{name: "Max-Forwards not a number", set: map[string]string{"Max-Forwards": "seventy"}, want: "close", why: "unparsable"},
		{name: "Via without branch", set: map[string]string{"Via": "SIP/2.0/TLS vcse.acano.steven.lab:5061"}, want: "200", why: "RFC 2543 transaction matching"},
		{name: "Via garbage", set: map[string]string{"Via": "garbage"}, want: "400", why: "unparsable Via: sipgo's stateless 400 (no Via to copy), the connection stays"},
		{name: "Via names UDP", set: map[string]string{"Via": "SIP/2.0/UDP vcse.acano.steven.lab:5061;branch=z9hG4bKudp{n}"}, want: "200", why: "answered on the connection anyway"},
		{name: "Via IPv6 sent-by", set: map[string]string{"Via": "SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bKv6"}, want: "200", why: "IPv6 reference"},
		{name: "From without tag", set: map[string]string{"From": "<sip:2000@acano.steven.lab>"}, want: "200", why: "tolerated for OPTIONS"},
		{name: "From not a URI", set: map[string]string{"From": "nonsense"}, want: "400", why: "unparsable From: 400 Bad Request - Malformed From, the From copied as written"},
		{name: "Call-ID of 4000 bytes", set: map[string]string{"Call-ID": strings.Repeat("c", 4000)}, want: "200", why: "no length limit in §8.1.1.4"},
		{name: "header line without colon", add: []string{"This line has no colon"}, want: "close", why: "unparsable"},
		{name: "unknown header", add: []string{"X-Unknown: whatever"}, want: "200", why: "§8.2.2: ignore unknown headers"},
		{name: "compact header forms", raw: "OPTIONS sip:stejanss@skype.lab SIP/2.0\r\nv: SIP/2.0/TLS vcse.acano.steven.lab:5061;branch=z9hG4bKcompact{n}\r\nf: <sip:2000@acano.steven.lab>;tag=c{n}\r\nt: <sip:stejanss@skype.lab>\r\ni: compact-{n}\r\nCSeq: 1 OPTIONS\r\nl: 0\r\n\r\n", want: "200", why: "§7.3.3 compact forms"},
		{name: "header names in odd case", raw: "OPTIONS sip:stejanss@skype.lab SIP/2.0\r\nvIA: SIP/2.0/TLS vcse.acano.steven.lab:5061;branch=z9hG4bKcase{n}\r\nfROM: <sip:2000@acano.steven.lab>;tag=c{n}\r\nTo: <sip:stejanss@skype.lab>\r\ncall-id: case-{n}\r\ncseq: 1 OPTIONS\r\ncontent-length: 0\r\n\r\n", want: "200", why: "§7.3.1 names are case-insensitive"},
		{name: "UTF-8 display name", set: map[string]string{"From": `"Jürgen Ærø 日本" <sip:2000@acano.steven.lab>;tag=u{n}`}, want: "200", why: "UTF-8 is allowed in quoted strings"},
		{name: "a hundred Via headers", add: manyVias(100), want: "200", why: "a long path"},
		{name: "message above edge.max_message_bytes", add: []string{"X-Pad: " + strings.Repeat("p", 9000)}, want: "close", why: "edge.max_message_bytes"},
		{name: "P-Asserted-Identity garbage", add: []string{"P-Asserted-Identity: ::::"}, want: "200", why: "falls back to From"},
		{name: "P-Asserted-Identity tel", add: []string{"P-Asserted-Identity: <tel:+15551234>"}, want: "200", why: "a tel identity has no domain: From decides"},
		{name: "Content-Length larger than the body", body: "v=0\r\n", rawLen: "500", want: "close", why: "edge.message_timeout ends the wait"},
		{name: "Content-Length negative", rawLen: "-5", want: "close", why: "unparsable"},
		{name: "Content-Length not a number", rawLen: "ten", want: "close", why: "unparsable"},
	}
	for _, h := range []string{"From", "To", "Call-ID", "CSeq", "Max-Forwards"} {
		v := map[string]string{"From": "<sip:evil@elsewhere.example>;tag=e", "To": "<sip:other@skype.lab>", "Call-ID": "second", "CSeq": "2 OPTIONS", "Max-Forwards": "69"}[h]
		rows = append(rows, badRow{name: "two " + h, add: []string{h + ": " + v}, want: "400", why: "§7.3.1: once only"})
	}
	rows = append(rows, badRow{name: "two Content-Length", add: []string{"Content-Length: 0"}, want: "400", why: "§7.3.1: once only"})
	return rows
}

func semanticRows() []badRow {
	return []badRow{
		{name: "From an IP literal", set: map[string]string{"From": "<sip:2000@192.0.2.10>;tag=ip{n}"}, want: "504", why: "1008: no SRV for an IP"},
		{name: "From a domain without SRV", set: map[string]string{"From": "<sip:2000@nosrv.example>;tag=ns{n}"}, want: "504", why: "1008"},
		{name: "To a user of another domain", set: map[string]string{"To": "<sip:bob@elsewhere.example>"}, want: "200", why: "the Request-URI decides"},
		{name: "INVITE without SDP", method: "INVITE", want: "200", why: "a delayed offer (RFC 3264): the 200 makes the offer"},
		{name: "INVITE with garbage SDP", method: "INVITE", body: "this is not SDP", want: "488", why: "no acceptable media"},
		{name: "INVITE with a text body", method: "INVITE", body: "hello", add: []string{"Content-Type: text/plain"}, want: "488", why: "no offer"},
		{name: "INVITE good", method: "INVITE", body: offer, want: "200", why: "the control row"},
		{name: "BYE outside a dialog", method: "BYE", set: map[string]string{"To": "<sip:stejanss@skype.lab>;tag=nodialog"}, want: "481", why: "§15.1.2"},
		{name: "BYE without To tag", method: "BYE", want: "481", why: "no dialog"},
		{name: "CANCEL matching nothing", method: "CANCEL", want: "481", why: "§9.2"},
		{name: "ACK matching nothing", method: "ACK", want: "none", why: "ACK is never answered"},
		{name: "re-INVITE of an unknown dialog", method: "INVITE", set: map[string]string{"To": "<sip:stejanss@skype.lab>;tag=nodialog"}, body: offer, want: "481", why: "§14.2"},
		{name: "MESSAGE without body", method: "MESSAGE", want: "200", why: "an empty IM is still an IM"},
		{name: "NOTIFY outside a subscription", method: "NOTIFY", want: "405", why: "the Edge subscribes to nothing"},
		{name: "INFO outside a dialog", method: "INFO", want: "481", why: "INFO belongs to a call; Allow lists it, so outside one it is 481, not 405"},
		{name: "REFER", method: "REFER", want: "405", why: "transfers are not federated here"},
		{name: "UPDATE", method: "UPDATE", want: "405", why: "not offered in Allow"},
		{name: "SUBSCRIBE presence", method: "SUBSCRIBE", add: []string{"Event: presence", "Expires: 60"}, want: "200", why: "the control row"},
	}
}

func manyVias(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "Via: SIP/2.0/TLS hop" + strings.Repeat("x", i%7) + ".example:5061;branch=z9hG4bKhop"
	}
	return out
}
