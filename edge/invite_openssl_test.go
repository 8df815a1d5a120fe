package edge

import (
	"strings"
	"testing"
	"time"
)

// Done when (issue 13): captured with openssl s_server as the far end (demanding the Edge's client
// certificate), the outbound INVITE carries the Edge's Record-Route on 5061, a GRUU Contact and the
// default profile's (sfb2015) SDP. s_server answers nothing, so the call ends unanswered.
func TestOutboundInviteCapturedByOpenSSL(t *testing.T) {
	l := newOutLab(t)
	port, output := opensslServer(t, l.dir, "vcse.cms.steven.lab")
	o := l.open(cmsZone("vcse.cms.steven.lab", port))
	r := placeCall(o, "sip:2000@cms.steven.lab", 1500*time.Millisecond)
	if !r.InviteSent || r.Answered {
		t.Fatalf("INVITE sent %v, answered %v: %d %s %s", r.InviteSent, r.Answered, r.Status, r.Reason, r.Error)
	}
	var got string
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got = output(); strings.Contains(got, "a=x-ssrc-range") {
			break
		}
	}
	head, body, _ := strings.Cut(got[max(strings.Index(got, "INVITE sip:2000@cms.steven.lab SIP/2.0"), 0):], "\n\n")
	if !strings.HasPrefix(head, "INVITE ") {
		t.Fatalf("openssl s_server saw no INVITE:\n%s", got)
	}
	for _, want := range []string{
		"Record-Route: <sip:sip.skype.lab:5061;transport=tls;lr>",
		"Via: SIP/2.0/TLS sip.skype.lab:5061;",
		";gruu>",
		"opaque=user:epid:",
		"Content-Type: application/sdp",
	} {
		if !strings.Contains(head, want) {
			t.Errorf("INVITE lacks %q:\n%s", want, head)
		}
	}
	for _, want := range []string{"RTP/SAVP", "a=crypto:", "AES_CM_128_HMAC_SHA1_80", "a=ice-ufrag:", "a=x-ssrc-range", "SILK/"} {
		if !strings.Contains(body, want) {
			t.Errorf("SDP lacks %q:\n%s", want, body)
		}
	}
}
