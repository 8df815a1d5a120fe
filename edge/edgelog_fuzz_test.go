package edge

import (
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/edge/policy"
)

// An Edge-log record keeps its layout whatever its values hold (the certificate's name, the
// request's start line and Call-ID come from peers): ten CRLF-ended lines, the header first and
// $$end_record last, and no other CR or LF; seven when no SIP message was seen (a refusal inside the
// TLS handshake, which has no start line and so no SIP lines at all).
func FuzzAppendRecord(f *testing.F) {
	f.Add("The domain of the message resolved by DNS SRV but none of the FQDNs is in the same domain",
		"INVITE sip:stejanss@skype.lab SIP/2.0", "f1b3ad5d-183b-4632-b210-c2f9bec71960", "2066245576 INVITE", "vcse.steven.lab:25002", "acano.steven.lab")
	f.Add("t", "INVITE sip:x SIP/2.0\r\n$$end_record\r\n", "id\n", "1 INVITE\r", "evil\"\r\nPeer: x", "\"\\\x00")
	f.Fuzz(func(t *testing.T, text, start, callID, cseq, peer, value string) {
		rec := policy.LogRecord{Level: policy.LevelError, Text: text, Result: policy.ResultCode{Value: 0xc3e93d67, Name: "SIPPROXY_E_ROUTING_MSG_CERT_MISMATCH"},
			Data: []policy.Attr{{Key: "domain", Value: value}, {Key: "info", Value: text}}}
		h := RecordHeader{Machine: "sfvedge", PID: 1, TID: 2, Time: time.Unix(0, 0), Sequence: 3, Correlation: 4}
		out := string(AppendRecord(nil, h, rec, MessageInfo{StartLine: start, CallID: callID, CSeq: cseq, Peer: peer}))
		want := []string{"TL_ERROR(TF_DIAG) ", "Severity: ", "Text: ", "Result-Code: ", "SIP-Start-Line: ", "SIP-Call-ID: ", "SIP-CSeq: ", "Peer: ", "Data: ", "$$end_record"}
		if start == "" {
			want = append(want[:4:4], want[7:]...)
		}
		n := len(want)
		if strings.Count(out, "\n") != n || strings.Count(out, "\r") != n || strings.Count(out, "\r\n") != n {
			t.Fatalf("record is not %d CRLF lines:\n%q", n, out)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
		for i, p := range want {
			if !strings.HasPrefix(lines[i], p) {
				t.Fatalf("line %d is %q, want it to start %q", i, lines[i], p)
			}
		}
	})
}
