package lync

import (
	"bytes"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net/netip"
	"regexp"
	"strings"
	"testing"
)

func TestParseProfile(t *testing.T) {
	for in, want := range map[string]Profile{"": SfB2015, "sfb2015": SfB2015, "LYNC2013": Lync2013, "plain": Plain} {
		if got, err := ParseProfile(in); err != nil || got != want {
			t.Errorf("ParseProfile(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseProfile("sfb2019"); err == nil || !strings.Contains(err.Error(), "lync2013, sfb2015, plain") {
		t.Errorf("an unknown profile: %v", err)
	}
}

// The identity's parts have the shapes Lync writes: the far end's parsers and filters key on them.
func TestIdentityShapes(t *testing.T) {
	id := NewIdentity(rand.NewChaCha8([32]byte{7}))
	for name, c := range map[string]struct{ v, re string }{
		"epid":    {id.EPID, `^[0-9a-f]{10}$`},
		"call-id": {id.CallID, `^[0-9a-f]{32}$`},
		"tag":     {id.FromTag, `^[0-9a-f]{10}$`},
		"gruu":    {id.GRUUOpaque, `^user:epid:[A-Za-z0-9_-]{22}AAA$`},
		"conv":    {id.ConversationID, `^[A-Za-z0-9+/]{27}=$`},
	} {
		if !regexp.MustCompile(c.re).MatchString(c.v) {
			t.Errorf("%s %q does not match %s", name, c.v, c.re)
		}
	}
	if NewIdentity(nil) == NewIdentity(nil) {
		t.Error("two identities from crypto/rand are equal")
	}
}

// Each profile's offer parses as its Content-Type says, and the plain one stays the generic G.711.
func TestOffers(t *testing.T) {
	m := NewMedia(netip.MustParseAddr("192.0.2.5"), 50000, rand.NewChaCha8([32]byte{1}))
	ct, body := Plain.Offer(m)
	if ct != "application/sdp" || !bytes.Contains(body, []byte("m=audio 50000 RTP/AVP 0 8 101\r\n")) || bytes.Contains(body, []byte("crypto")) {
		t.Errorf("plain offer %s:\n%s", ct, body)
	}
	ct, body = SfB2015.Offer(m)
	if ct != "application/sdp" || !bytes.Contains(body, []byte("RTP/SAVP 117 104 114 9 112 111 0 8 103 116 115 97 13 118 119 101\r\n")) {
		t.Errorf("sfb2015 offer %s:\n%s", ct, body)
	}
	ct, body = Lync2013.Offer(m)
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "multipart/alternative" || params["boundary"] != Boundary {
		t.Fatalf("lync2013 Content-Type %q: %v", ct, err)
	}
	mr := multipart.NewReader(bytes.NewReader(body), Boundary)
	var dispositions []string
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		dispositions = append(dispositions, p.Header.Get("Content-Disposition"))
	}
	if len(dispositions) != 2 || dispositions[0] != "session; handling=optional; ms-proxy-2007fallback" || dispositions[1] != "session; handling=optional" {
		t.Errorf("parts %q", dispositions)
	}
	v6 := NewMedia(netip.MustParseAddr("2001:db8::5"), 50000, nil)
	if _, b := SfB2015.Offer(v6); !bytes.Contains(b, []byte("c=IN IP6 2001:db8::5\r\n")) {
		t.Errorf("IPv6 offer:\n%s", b)
	}
}

func TestInviteHeaders(t *testing.T) {
	id := NewIdentity(rand.NewChaCha8([32]byte{2}))
	user := Party{URI: "sip:stejanss@skype.lab", DisplayName: "Steven Janssens"}
	hs := SfB2015.InviteHeaders(user, id)
	want := map[string]string{"ms-keep-alive": "UAC;hop-hop=yes", "P-Asserted-Identity": `"Steven Janssens"<sip:stejanss@skype.lab>`,
		"Ms-Conversation-ID": id.ConversationID, "Allow": lyncAllow}
	for _, h := range hs {
		if w, ok := want[h.Name]; ok && w != h.Value {
			t.Errorf("%s: %q, want %q", h.Name, h.Value, w)
		}
		delete(want, h.Name)
	}
	if len(want) != 0 {
		t.Errorf("missing %v", want)
	}
	if c := SfB2015.Contact(user, id, "sip.skype.lab:5061"); c != "<sip:stejanss@skype.lab;opaque="+id.GRUUOpaque+";gruu>" {
		t.Errorf("Contact %q", c)
	}
	if c := Plain.Contact(user, id, "sip.skype.lab:5061"); c != "<sip:sip.skype.lab:5061;transport=tls>" {
		t.Errorf("plain Contact %q", c)
	}
	if len(Plain.InviteHeaders(user, id)) != 1 || Plain.FromParams(id) != nil {
		t.Error("plain carries Lync headers")
	}
}

// The answer keeps the offer's transport and payload type numbers, picks one codec with DTMF, and
// answers SRTP with one key under the tag of the offer's first crypto line.
func TestAnswers(t *testing.T) {
	m := NewMedia(netip.MustParseAddr("127.0.0.1"), 50000, rand.NewChaCha8([32]byte{3}))
	avp := "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"
	b, err := SfB2015.Answer([]byte(avp), m)
	if err != nil || !bytes.Contains(b, []byte("m=audio 50000 RTP/AVP 8 101\r\n")) {
		t.Errorf("AVP answer (%v):\n%s", err, b)
	}
	savp := "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/SAVP 96 0\r\na=rtpmap:96 SILK/16000\r\n" +
		"a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:AAAA|2^31\r\n"
	b, err = SfB2015.Answer([]byte(savp), m)
	if err != nil || !bytes.Contains(b, []byte("RTP/SAVP 96\r\n")) || !bytes.Contains(b, []byte("a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:")) ||
		bytes.Count(b, []byte("a=crypto")) != 1 || bytes.Contains(b, []byte("cryptoscale")) {
		t.Errorf("SAVP answer (%v):\n%s", err, b)
	}
	if _, err := Plain.Answer([]byte(savp), m); err == nil {
		t.Error("the plain client answered SRTP")
	}
	if _, err := SfB2015.Answer([]byte("v=0\r\nm=audio 4000 RTP/AVP 18\r\n"), m); err == nil {
		t.Error("an offer of G.729 only was answered")
	}
	if b, err := Lync2013.Answer(nil, m); err != nil || bytes.Contains(b, []byte(Boundary)) || !bytes.Contains(b, []byte("RTP/SAVP")) {
		t.Errorf("delayed offer (%v):\n%s", err, b)
	}
	if b, err := SfB2015.Answer(IMOffer(m), m); err != nil || !bytes.Contains(b, []byte("m=message 5060 sip null")) {
		t.Errorf("IM answer (%v):\n%s", err, b)
	}
}
