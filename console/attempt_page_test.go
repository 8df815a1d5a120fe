package console

import (
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/record"
)

// hostileAttempt is, as record/artifact's golden attempt, the seed's refused call (504 · 1009), fixed in time, with a hostile From that
// must come out escaped.
func hostileAttempt() record.Attempt {
	t0 := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	conn := "127.0.0.1:5061 → 127.0.0.1:40000"
	return record.Attempt{ID: "golden-1", Direction: record.Inbound, Kind: record.KindRequest, Start: t0, End: t0.Add(4 * time.Millisecond),
		Peer: "127.0.0.1:40000", PeerName: "vcse.steven.lab", FromDomain: "acano.steven.lab", ToDomain: "skype.lab", Method: "INVITE",
		Outcome: record.OutcomeRefused, Status: 504, Diagnostic: 1009, ResultCode: "0xc3e93c7d",
		Messages: []record.Message{
			{Time: t0, Conn: conn, StartLine: "INVITE sip:stejanss@skype.lab SIP/2.0", Raw: "INVITE sip:stejanss@skype.lab SIP/2.0\r\nFrom: <script>alert(1)</script>\r\n\r\n"},
			{Time: t0.Add(3 * time.Millisecond), Out: true, Conn: conn, StartLine: "SIP/2.0 504 Server time-out", Raw: "SIP/2.0 504 Server time-out\r\n\r\n"},
			{Time: t0.Add(4 * time.Millisecond), Conn: conn, StartLine: "ACK sip:stejanss@skype.lab SIP/2.0 <b>&", Raw: "ACK\r\n\r\n"},
		},
		DNS:   []record.DNSLookup{{Question: "_sipfederationtls._tcp.acano.steven.lab.", Type: "SRV", Answer: []string{"0 0 5061 vcse.steven.lab."}, Rcode: "NOERROR"}},
		TLS:   []record.TLS{{Conn: conn, Version: "TLS 1.2", Cipher: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}},
		Trace: []policy.Rule{{Name: policy.RuleSRV, Outcome: policy.Pass}, {Name: policy.RuleInDomain, Outcome: policy.Fail}},
	}
}

func TestAttemptPageEscapesSIPText(t *testing.T) {
	c := startConsole(t, Options{})
	c.rec.Ring().Add(hostileAttempt())
	_, page := get(t, c.http.URL+"/attempts/golden-1")
	if strings.Contains(page, "<script>alert") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatalf("the raw message is not escaped:\n%s", page)
	}
	for _, want := range []string{"<svg", "in-domain", "golden-1/attempt.pcapng"} {
		if !strings.Contains(page, want) {
			t.Fatalf("page lacks %q", want)
		}
	}
	code, pcap := get(t, c.http.URL+"/attempts/golden-1/attempt.pcapng")
	if code != 200 || !strings.HasPrefix(pcap, "\x0a\x0d\x0d\x0a") {
		t.Fatalf("pcapng download (%d) does not start with a section header block", code)
	}
}
