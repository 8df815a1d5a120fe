package edge

import (
	"bufio"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/sipstack"
)

// The call path (sipstack/lean.go) handles INVITE, ACK, CANCEL and BYE on the connection's reader.
// These are the transaction rules it must keep without sipgo's transaction layer.

const refusedFrom = "From: <sip:2000@nosuch.lab>;tag=1\r\n" // no SRV record: 504 with 1008

func readAnswer(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	msg, err := sipstack.ReadRawMessage(br, 1<<16)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	return string(msg)
}

func startLine(msg string) string { line, _, _ := strings.Cut(msg, "\r\n"); return line }

func header(msg, name string) string {
	for _, l := range strings.Split(msg, "\r\n") {
		if v, ok := strings.CutPrefix(l, name+": "); ok {
			return v
		}
	}
	return ""
}

func TestCallPathRetransmittedInviteGetsTheSameRefusal(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect))
	c := e.rawTLS(e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}))
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	inv := rawInvite(refusedFrom, "", "")
	_, _ = io.WriteString(c, inv)
	first := readAnswer(t, br)
	if startLine(first) != "SIP/2.0 504 Server time-out" {
		t.Fatalf("answer %q", startLine(first))
	}
	// The copy comes before the ACK: the same transaction, so the same answer, To tag and all,
	// and one Edge-log record.
	_, _ = io.WriteString(c, inv)
	if again := readAnswer(t, br); again != first {
		t.Errorf("copy answered\n%q\nwant the first answer\n%q", again, first)
	}
	if n := strings.Count(e.edgeLog.String(), "bad-input-1"); n != 1 {
		t.Errorf("%d Edge-log records name the call, want 1:\n%s", n, e.edgeLog.String())
	}
}

func TestCallPathBranchOfAnotherConnectionIsAnotherTransaction(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect))
	cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	var tags []string
	for range 2 {
		c := e.rawTLS(cert)
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = io.WriteString(c, rawInvite(refusedFrom, "", "")) // the same branch both times
		ans := readAnswer(t, bufio.NewReader(c))
		if startLine(ans) != "SIP/2.0 504 Server time-out" {
			t.Fatalf("answer %q", startLine(ans))
		}
		tags = append(tags, header(ans, "To"))
	}
	if tags[0] == tags[1] {
		t.Errorf("the second connection got the first one's answer (To %q)", tags[0])
	}
}

// An INVITE whose decision waits for a DNS server that never answers must not hold the other
// messages of its connection: the BYE behind it is answered first.
func TestCallPathWaitingDecisionDoesNotHoldTheConnection(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect), silentDNS(t))
	c := e.rawTLS(e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}))
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	bye := strings.Replace(strings.Replace(rawInvite("From: <sip:2000@acano.steven.lab>;tag=1\r\n", "", ""),
		"INVITE", "BYE", 2), "To: <sip:stejanss@skype.lab>", "To: <sip:stejanss@skype.lab>;tag=NOSUCHDIALOG", 1)
	bye = strings.Replace(bye, "branch=z9hG4bK777777777777", "branch=z9hG4bK888888888888", 1)
	_, _ = io.WriteString(c, rawInvite("From: <sip:2000@acano.steven.lab>;tag=1\r\n", "", "")+bye)
	if got := startLine(readAnswer(t, br)); got != "SIP/2.0 481 Call/Transaction Does Not Exist" {
		t.Fatalf("first answer %q, want the BYE's 481", got)
	}
	// sipgo's Timer 1xx: the INVITE that waits gets its 100 Trying.
	if got := startLine(readAnswer(t, br)); got != "SIP/2.0 100 Trying" {
		t.Fatalf("second answer %q, want 100 Trying", got)
	}
	final := readAnswer(t, br)
	if startLine(final) != "SIP/2.0 504 Server time-out" || !strings.HasPrefix(header(final, "ms-diagnostics"), "1008;") {
		t.Fatalf("third answer %q, want the INVITE's 504 with 1008", final)
	}
}

// The call path cuts the stream itself: a message split across TLS records (reads) is handled
// once whole, messages for sipgo still reach it, and a keep-alive ping still gets its pong.
func TestCallPathFramesTheStream(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect))
	cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	inv := rawInvite(refusedFrom, "Content-Type: application/sdp\r\n", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n")

	t.Run("split across records", func(t *testing.T) {
		p := e.rawPeer(t, cert)
		head := strings.Index(inv, "\r\n\r\n")
		for _, part := range []string{inv[:20], inv[20 : head+2], inv[head+2 : head+6], inv[head+6 : len(inv)-3], inv[len(inv)-3:]} {
			p.send(part) // each write is its own TLS record, so its own read at the Edge
			time.Sleep(5 * time.Millisecond)
		}
		if got := p.outcome(2 * time.Second); got != "504" {
			t.Fatalf("answer %s, want 504", got)
		}
	})
	t.Run("ping, then an OPTIONS and an INVITE in one record", func(t *testing.T) {
		p := e.rawPeer(t, cert)
		p.send("\r\n\r\n")
		_ = p.c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if pong, err := p.br.Peek(2); err != nil || string(pong) != "\r\n" {
			t.Fatalf("pong %q %v", pong, err)
		}
		_, _ = p.br.Discard(2)
		options := strings.NewReplacer("INVITE sip:", "OPTIONS sip:", "1 INVITE", "1 OPTIONS", "z9hG4bK777777777777", "z9hG4bK999999999999").
			Replace(rawInvite(refusedFrom, "", ""))
		p.send(options + inv)
		var got []string
		for range 2 {
			msg := readAnswer(t, p.br)
			got = append(got, header(msg, "CSeq")+" "+startLine(msg))
		}
		slices.Sort(got)
		if want := []string{"1 INVITE SIP/2.0 504 Server time-out", "1 OPTIONS SIP/2.0 504 Server time-out"}; !slices.Equal(got, want) {
			t.Fatalf("answers %q, want %q", got, want)
		}
	})
}

// A CANCEL of an INVITE already refused, before its ACK, matches the transaction: 200 to the
// CANCEL and nothing more for the INVITE (RFC 3261 §9.2); one of no transaction gets 481.
func TestCallPathCancelAfterTheFinalAnswer(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect))
	p := e.rawPeer(t, e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}))
	p.send(rawInvite(refusedFrom, "", ""))
	if got := p.outcome(2 * time.Second); got != "504" {
		t.Fatalf("INVITE answered %s, want 504", got)
	}
	cancel := strings.NewReplacer("INVITE sip:", "CANCEL sip:", "1 INVITE", "1 CANCEL").Replace(rawInvite(refusedFrom, "", ""))
	p.send(cancel)
	if got := p.outcome(2 * time.Second); got != "200" {
		t.Fatalf("CANCEL of the refused INVITE answered %s, want 200", got)
	}
	p.send(strings.Replace(cancel, "z9hG4bK777777777777", "z9hG4bK666666666666", 1))
	if got := p.outcome(2 * time.Second); got != "481" {
		t.Fatalf("CANCEL of no transaction answered %s, want 481", got)
	}
	if got := p.outcome(300 * time.Millisecond); got != "none" {
		t.Fatalf("a further answer: %s", got)
	}
}
