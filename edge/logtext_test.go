package edge

import (
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/certs"
)

// A peer's Call-ID of several kilobytes is refused like any other request, and the process-log
// line about it carries a bounded excerpt, not the whole value; the Edge log still has its record.
func TestALongCallIDIsCutInTheProcessLog(t *testing.T) {
	logs := &LogBuffer{}
	e := startEdgeWith(t, zerolog.New(logs), ServiceOptions{}, withZones(acanoCorrect))
	p := e.peer(e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.steven.lab"}))
	req := e.request(p, sip.OPTIONS, seedFrom, seedTo)
	long := strings.Repeat("c", 6000)
	cid := sip.CallIDHeader(long)
	req.AppendHeader(&cid)
	res, err := p.Do(ctx5(t), req)
	if err != nil || res.StatusCode != 504 {
		t.Fatalf("got %v, %v; want the 1010 refusal", res, err)
	}
	waitFor(t, "the refusal's process-log line", func() bool { return strings.Contains(logs.String(), MsgFederatedRefused) })
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, long) || len(line) > 2000 {
			t.Errorf("a log line of %d bytes carries the whole Call-ID", len(line))
		}
	}
	if !strings.Contains(logs.String(), "(6000 bytes)") {
		t.Errorf("no line names the Call-ID's length:\n%.500s", logs.String())
	}
	if !strings.Contains(e.edgeLog.String(), "$$begin_record") {
		t.Errorf("the refusal has no Edge-log record")
	}
}
