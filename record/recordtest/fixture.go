// Package recordtest holds attempt records fixed in time, for the golden tests of the packages that
// draw or serve them.
package recordtest

import (
	"time"

	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/record"
)

// SeedRefusal is the seed's refused call (504 · 1009), fixed in time, with a hostile From that
// must come out escaped.
func SeedRefusal() record.Attempt {
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
