package edge

import (
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
)

// A request in another SIP version gets SIP/2.0 505, not an answer in the peer's version; a header
// that must appear once appearing twice gets 400 (RFC 3261 §7.3.1): the two could disagree on who
// calls; so does a CSeq naming another method (§8.1.1.5).
func TestVersionAndDuplicateHeaders(t *testing.T) {
	from := "From: <sip:2000@acano.steven.lab>;tag=1\r\n"
	for _, tc := range []struct {
		name, msg, want string
	}{
		{"SIP/7.0", strings.Replace(rawInvite(from, "", ""), "SIP/2.0\r\n", "SIP/7.0\r\n", 1), "SIP/2.0 505 Version Not Supported"},
		{"two From", rawInvite(from+"From: <sip:evil@acano.steven.lab>;tag=2\r\n", "", ""), "SIP/2.0 400 Bad Request - Duplicate From"},
		{"two To", rawInvite(from, "To: <sip:other@skype.lab>\r\n", ""), "SIP/2.0 400 Bad Request - Duplicate To"},
		{"CSeq method differs", strings.Replace(rawInvite(from, "", ""), "CSeq: 1 INVITE", "CSeq: 1 OPTIONS", 1), "SIP/2.0 400 Bad Request - CSeq method does not match"},
		{"two Call-ID", rawInvite(from, "Call-ID: second\r\n", ""), "SIP/2.0 400 Bad Request - Duplicate Call-ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startEdge(t, withZones(acanoCorrect))
			cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
			p := e.rawPeer(t, cert)
			p.send(tc.msg)
			r := p.response(200, "", 3*time.Second)
			if r == nil || !strings.HasPrefix(r.StartLine(), tc.want) {
				t.Errorf("answer %v, want %q", r, tc.want)
			}
			if res := e.call(e.peer(cert), seedFrom, seedTo); !res.Answered {
				t.Errorf("a good call afterwards failed: %v", res.Final)
			}
		})
	}
}
