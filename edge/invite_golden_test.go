package edge

import (
	"bufio"
	"bytes"
	"context"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net/textproto"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge/lync"
	"github.com/edgesim/edgesim/scenarios/standin"
)

var branchRE = regexp.MustCompile(`branch=z9hG4bK[0-9A-Za-z.\-_]+`)

// Each client profile's INVITE as the far end receives and parses it, compared byte for byte with
// its golden file: the random parts come from a seeded generator, only the Via branch is masked.
func TestOutboundInviteGoldens(t *testing.T) {
	for _, p := range lync.Profiles {
		t.Run(string(p), func(t *testing.T) {
			l := newOutLab(t)
			peer := l.peer(standin.ServerConfig{Certificate: l.cert(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab"})})
			o := l.open(cmsZone("vcse.cms.steven.lab", peer.Addr().Port()), func(c *config.Config) { c.Edge.ClientProfile = string(p) })
			o.Rand = rand.NewChaCha8([32]byte{13})
			r := o.Call(context.Background(), CallRequest{From: "sip:stejanss@skype.lab", To: "sip:2000@cms.steven.lab",
				Timeout: 5 * time.Second, Duration: 10 * time.Millisecond}, nil)
			if !r.Answered {
				t.Fatalf("not answered: %d %s %s", r.Status, r.Reason, r.Error)
			}
			req, ok := peer.WaitRequest("INVITE", 5*time.Second)
			if !ok {
				t.Fatal("no INVITE reached the far end")
			}
			got := branchRE.ReplaceAll([]byte(req.Message.Text), []byte("branch=BRANCH"))
			compareGolden(t, filepath.Join("testdata", "invite"), string(p)+".sip", got)
			checkInviteShape(t, p, req.Message.Text)
		})
	}
}

// checkInviteShape holds the INVITE to what the far end keys on, whatever the golden says.
func checkInviteShape(t *testing.T, p lync.Profile, text string) {
	t.Helper()
	head, body, _ := strings.Cut(text, "\r\n\r\n")
	hs, err := textproto.NewReader(bufio.NewReader(strings.NewReader(head[strings.Index(head, "\r\n")+2:] + "\r\n\r\n"))).ReadMIMEHeader()
	if err != nil {
		t.Fatalf("headers do not parse: %v", err)
	}
	if rr := hs.Get("Record-Route"); rr != "<sip:sip.skype.lab:5061;transport=tls;lr>" {
		t.Errorf("Record-Route %q", rr)
	}
	if via := hs.Get("Via"); !strings.HasPrefix(via, "SIP/2.0/TLS sip.skype.lab:5061;") {
		t.Errorf("Via %q: want the Edge's FQDN and listening port", via)
	}
	if p == lync.Plain {
		return
	}
	if c := hs.Get("Contact"); !strings.Contains(c, ";gruu>") || !strings.Contains(c, "opaque=user:epid:") {
		t.Errorf("Contact %q is not a GRUU", c)
	}
	if !strings.Contains(hs.Get("From"), ";epid=") || len(hs.Get("Call-ID")) != 32 || hs.Get("Ms-Conversation-Id") == "" {
		t.Errorf("From %q Call-ID %q Ms-Conversation-ID %q", hs.Get("From"), hs.Get("Call-ID"), hs.Get("Ms-Conversation-Id"))
	}
	sdps := []string{body}
	if p == lync.Lync2013 {
		sdps = multipartSDPs(t, hs.Get("Content-Type"), body)
	}
	for _, s := range sdps {
		if !strings.Contains(s, "RTP/SAVP") || !strings.Contains(s, "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:") ||
			!strings.Contains(s, "a=rtpmap:104 SILK/16000") || !strings.Contains(s, "a=x-ssrc-range:") {
			t.Errorf("SDP part lacks Lync's media:\n%s", s)
		}
	}
}

// multipartSDPs reads a multipart/alternative body the way a MIME parser does: the ICE-v6 fallback
// part first, then the RFC 5245 part.
func multipartSDPs(t *testing.T, contentType, body string) []string {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", contentType, err)
	}
	mr := multipart.NewReader(strings.NewReader(body), params["boundary"])
	var out []string
	for {
		part, err := mr.NextPart()
		if err != nil {
			break
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(part)
		out = append(out, b.String())
		if len(out) == 1 && part.Header.Get("Content-Disposition") != "session; handling=optional; ms-proxy-2007fallback" {
			t.Errorf("first part's disposition %q", part.Header.Get("Content-Disposition"))
		}
	}
	if len(out) != 2 {
		t.Fatalf("%d parts, want 2", len(out))
	}
	return out
}
