package edge

import (
	"strings"
	"testing"

	"github.com/edgesim/edgesim/certs"
)

// A certificate's name reaches the ms-diagnostics header (PeerServer) and the Edge log (Peer, Data).
// A peer that names its certificate with a quote and CRLF must not add headers to the Edge's answer
// or records to its log.
func TestCertificateNameCannotInject(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect))
	evil := "vcse.steven.lab\"\r\nX-Injected: yes\r\n$$end_record"
	res := e.call(e.peer(e.issue(certs.IssuerUntrusted, certs.LeafRequest{CommonName: evil})), seedFrom, seedTo)
	if res.Final == nil || res.Final.StatusCode != 504 {
		t.Fatalf("got %v, want 504", res.Final)
	}
	if res.Final.GetHeader("X-Injected") != nil {
		t.Errorf("the certificate's name added a header to the answer:\n%s", res.Final)
	}
	d := diagnostic(res.Final)
	if !strings.HasPrefix(d, "1010;") || strings.ContainsAny(d, "\r\n") {
		t.Errorf("ms-diagnostics %q", d)
	}
	// One record is ten lines: the header, eight fields, $$end_record; a value's CR or LF would add more.
	if log := e.edgeLog.String(); strings.Count(log, "\n") != 10 || strings.Count(log, "\r") != 10 || !strings.HasSuffix(log, "\r\n$$end_record\r\n") {
		t.Errorf("the certificate's name wrote into the Edge log's layout:\n%s", log)
	}
}
