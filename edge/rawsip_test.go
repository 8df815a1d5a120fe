package edge

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/edgesim/edgesim/scenarios/standin"
	"github.com/edgesim/edgesim/sipstack"
)

// rawPeer is a hand-driven SIP peer on one TLS connection: it writes requests as text and reads
// whole responses back, for exchanges a SIP stack would not let a test shape (retransmissions,
// another peer's dialog, a vanished peer).
type rawPeer struct {
	t  *testing.T
	c  *tls.Conn
	br *bufio.Reader
}

func (e *testEdge) rawPeer(t *testing.T, cert *tls.Certificate) *rawPeer {
	c := e.rawTLS(cert)
	return &rawPeer{t: t, c: c, br: bufio.NewReader(c)}
}

func (p *rawPeer) send(msg string) {
	p.t.Helper()
	if _, err := io.WriteString(p.c, msg); err != nil {
		p.t.Fatalf("write: %v", err)
	}
}

// read returns the next whole message within d, or nil when none came.
func (p *rawPeer) read(d time.Duration) sip.Message {
	p.t.Helper()
	_ = p.c.SetReadDeadline(time.Now().Add(d))
	raw, err := sipstack.ReadRawMessage(p.br, 1<<20)
	if err != nil {
		return nil
	}
	m, err := echoParser.ParseSIP(raw)
	if err != nil {
		p.t.Fatalf("unparsable message from the Edge: %v\n%s", err, raw)
	}
	return m
}

// response reads until a response with a status of at least min arrives for cseq ("" any),
// skipping the rest: provisional answers, repeated 200s of an earlier INVITE, the Edge's requests.
func (p *rawPeer) response(min int, cseq string, d time.Duration) *sip.Response {
	p.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		m := p.read(time.Until(deadline))
		if m == nil {
			return nil
		}
		if r, ok := m.(*sip.Response); ok && r.StatusCode >= min && (cseq == "" || r.CSeq().Value() == cseq) {
			return r
		}
	}
	return nil
}

// rawDialog is what a peer keeps of a call: enough to write in-dialog requests.
type rawDialog struct {
	callID, fromTag, toTag string
	cseq                   int
	contact                string // the peer's Contact URI; "": sip:2000@vcse.acano.steven.lab:5061;transport=tls
}

const rawFrom, rawTo = "<sip:2000@acano.steven.lab>", "<sip:stejanss@skype.lab>"

func (d *rawDialog) request(method, branch string, cseq int, body string) string {
	to := rawTo
	if d.toTag != "" {
		to += ";tag=" + d.toTag
	}
	ct := ""
	if body != "" {
		ct = "Content-Type: application/sdp\r\n"
	}
	contact := d.contact
	if contact == "" {
		contact = "sip:2000@vcse.acano.steven.lab:5061;transport=tls"
	}
	return fmt.Sprintf("%s sip:stejanss@skype.lab SIP/2.0\r\n"+
		"Via: SIP/2.0/TLS vcse.acano.steven.lab:5061;branch=z9hG4bK%s\r\n"+
		"From: %s;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\nMax-Forwards: 70\r\n"+
		"Contact: <%s>\r\n%sContent-Length: %d\r\n\r\n%s",
		method, branch, rawFrom, d.fromTag, to, d.callID, cseq, method, contact, ct, len(body), body)
}

// invite sends an INVITE and returns the first final answer.
func (p *rawPeer) invite(d *rawDialog, branch string) *sip.Response {
	p.t.Helper()
	d.cseq++
	p.send(d.request("INVITE", branch, d.cseq, standin.DefaultOffer))
	return p.response(200, fmt.Sprintf("%d INVITE", d.cseq), 5*time.Second)
}

// call places a call and ACKs its 200, leaving the dialog up.
func (p *rawPeer) call(callID string) *rawDialog {
	p.t.Helper()
	return p.callFrom(&rawDialog{callID: callID, fromTag: "raw" + callID})
}

// callFrom is call with the dialog's Contact (and Call-ID, From tag) chosen by the test.
func (p *rawPeer) callFrom(d *rawDialog) *rawDialog {
	p.t.Helper()
	callID := d.callID
	res := p.invite(d, "inv"+callID)
	if res == nil || res.StatusCode != 200 {
		p.t.Fatalf("call %s: %v, want 200", callID, res)
	}
	d.toTag, _ = res.To().Params.Get("tag")
	p.send(d.request("ACK", "ack"+callID, d.cseq, ""))
	return d
}

// inDialog sends an in-dialog request and returns its final answer.
func (p *rawPeer) inDialog(d *rawDialog, method string) *sip.Response {
	p.t.Helper()
	d.cseq++
	body := ""
	if method == "INVITE" {
		body = standin.DefaultOffer
	}
	p.send(d.request(method, fmt.Sprintf("%s%s%d", strings.ToLower(method), d.callID, d.cseq), d.cseq, body))
	res := p.response(200, fmt.Sprintf("%d %s", d.cseq, method), 5*time.Second)
	if res != nil && method == "INVITE" {
		p.send(d.request("ACK", fmt.Sprintf("ack%s%d", d.callID, d.cseq), d.cseq, ""))
	}
	return res
}

// settle makes sure the Edge has handled the call's ACK: sipgo runs each request on its own
// goroutine, so a re-INVITE answered 200 is the evidence. Without it a close right after the ACK
// can beat the ACK's handling, and the Edge (rightly) never sees the ACK.
func (p *rawPeer) settle(d *rawDialog) {
	p.t.Helper()
	if res := p.inDialog(d, "INVITE"); res == nil || res.StatusCode != 200 {
		p.t.Fatalf("re-INVITE in %s: %v, want 200", d.callID, res)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(interface{ Timeout() bool })
	return ok && ne.Timeout()
}

// echoParser reads the Edge's answers; a 400 for an unreadable From or To copies it as the peer
// wrote it (RFC 3261 §8.2.6.1), so those two are kept as plain headers when sipgo cannot parse them.
var echoParser = func() *sip.Parser {
	m := make(map[string]sip.HeaderParser)
	for k, p := range sip.DefaultHeadersParser() {
		m[k] = p
	}
	for _, n := range []string{"from", "f", "to", "t"} {
		parse, name := m[n], map[byte]string{'f': "From", 't': "To"}[n[0]]
		m[n] = func(hn []byte, text string) (sip.Header, error) {
			if h, err := parse(hn, text); err == nil {
				return h, nil
			}
			return sip.NewHeader(name, text), nil
		}
	}
	return sip.NewParser(sip.WithHeadersParsers(m))
}()
