package edge

import (
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/scenarios/standin"
)

// With no ringing time the 100, 180 and 200 of a call are ready together and leave in one TLS
// record, one write; a TLS Read returns at most one record, so one Read must see all three, whole
// and in order. With a ringing time the 180 must not wait for the 200.
func TestAnswersReadyTogetherShareOneRecord(t *testing.T) {
	tests := []struct {
		name  string
		delay time.Duration
		want  []string // the answers the first record holds, in order
	}{
		{"no ringing time", 0, []string{"SIP/2.0 100 Trying\r\n", "SIP/2.0 180 Ringing\r\n", "SIP/2.0 200 OK\r\n"}},
		{"ringing", 300 * time.Millisecond, []string{"SIP/2.0 100 Trying\r\n", "SIP/2.0 180 Ringing\r\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEdge(t, withZones(acanoCorrect), func(c *config.Config) { c.Edge.AnswerDelay = tt.delay })
			p := e.rawPeer(t, e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}))
			d := &rawDialog{callID: "coalesce", fromTag: "c1", cseq: 1}
			p.send(d.request("INVITE", "coalesce1", 1, standin.DefaultOffer))
			_ = p.c.SetReadDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 64*1024)
			n, err := p.c.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			got := string(buf[:n])
			at := 0
			for _, w := range tt.want {
				i := strings.Index(got[at:], w)
				if i < 0 {
					t.Fatalf("the first record lacks %q after byte %d:\n%s", w, at, got)
				}
				at += i + len(w)
			}
			if tt.delay > 0 && strings.Contains(got, "SIP/2.0 200 OK") {
				t.Fatalf("the 180 waited for the 200 despite a ringing time:\n%s", got)
			}
		})
	}
}
