package edge

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
)

// What varies from call to call in an answer: tags, the GRUU, the ports, the random media parts.
var answerMasks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`;tag=[0-9A-Za-z.\-]+`), ";tag=TAG"},
	{regexp.MustCompile(`branch=z9hG4bK[0-9A-Za-z.\-_]+`), "branch=BRANCH"},
	{regexp.MustCompile(`opaque=user:epid:[A-Za-z0-9_-]+`), "opaque=user:epid:GRUU"},
	{regexp.MustCompile(`Call-ID: \S+`), "Call-ID: CALLID"},
	{regexp.MustCompile(`CSeq: \d+`), "CSeq: N"},
	{regexp.MustCompile(`(ms-received-port|rport)=\d+`), "$1=PORT"},
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "127.0.0.1:PORT"},
	{regexp.MustCompile(`(vcse\.[a-z.]+):\d+`), "$1:PORT"},
	{regexp.MustCompile(`sip\.skype\.lab:\d+`), "sip.skype.lab:PORT"},
	{regexp.MustCompile(`o=- \d+ \d+`), "o=- SESSION VERSION"},
	{regexp.MustCompile(`a=ice-(ufrag|pwd):\S+`), "a=ice-$1:RANDOM"},
	{regexp.MustCompile(`inline:[A-Za-z0-9+/=]+`), "inline:KEY"},
	{regexp.MustCompile(`x-ssrc-range:\d+-\d+`), "x-ssrc-range:SSRC"},
}

// The 200 OK of a Skype user answering through the Edge, per client profile, compared with its golden
// file: the Edge's Record-Route first, the user's GRUU Contact and client headers, the profile's SDP.
func TestInboundAnswerGoldens(t *testing.T) {
	for _, p := range []string{"sfb2015", "plain"} {
		t.Run(p, func(t *testing.T) {
			e := startEdge(t, withZones(acanoCorrect), func(c *config.Config) { c.Edge.ClientProfile = p })
			peer := e.peer(e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}))
			res := e.call(peer, seedFrom, seedTo)
			if !res.Answered {
				t.Fatalf("not answered: %v", res.Responses)
			}
			got := res.Final.String()
			for _, m := range answerMasks {
				got = m.re.ReplaceAllString(got, m.with)
			}
			compareGolden(t, filepath.Join("testdata", "answer"), p+".sip", []byte(got))
			if rr := res.Final.GetHeaders("Record-Route"); len(rr) == 0 || !strings.HasPrefix(rr[0].Value(), "<sip:sip.skype.lab:") {
				t.Errorf("Record-Route %v: the Edge's entry must come first", rr)
			}
		})
	}
}

// An INFO inside a call (Lync sends them; Allow lists the method) is answered 200 from the call's peer.
func TestInfoInsideACall(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect))
	peer := e.peer(e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	status := 0
	_, err := peer.Call(ctx, e.request(peer, sip.INVITE, seedFrom, seedTo), func(ctx context.Context, d *sipgo.DialogClientSession) bool {
		info := sip.NewRequest(sip.INFO, d.InviteResponse.Contact().Address)
		info.SetDestination(e.addr)
		if r, err := d.Do(ctx, info); err == nil {
			status = r.StatusCode
		}
		return true
	})
	if err != nil || status != 200 {
		t.Errorf("INFO in the call: %d, %v", status, err)
	}
}
