package edge

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/scenarios/standin"
)

// The bad-input matrix: each row is one message a faulty or hostile peer might send, in the manner
// of RFC 4475's torture tests (written for this Edge, not copied), with the answer the Edge must
// give, then a good call that must still succeed. Answers: a status code, "close" (the Edge closes
// the connection without an answer) or "none" (no answer, the connection stays open).
//
// Messages are built from a good OPTIONS (or INVITE) by replacing, dropping or adding header lines,
// so each row shows only what is wrong with it.

type badRow struct {
	name   string
	method string            // OPTIONS unless set
	start  string            // replaces the start line
	set    map[string]string // header name → value; "" drops the header
	add    []string          // extra raw lines, added after the usual headers
	body   string
	rawLen string // replaces the computed Content-Length value
	raw    string // the whole message, verbatim ({n} is the row number)
	want   string
	why    string // the rule, for the reader
}

var badHeaderOrder = []string{"Via", "Max-Forwards", "From", "To", "Call-ID", "CSeq", "Contact"}

func (r badRow) message(n int) string {
	if r.raw != "" {
		return strings.ReplaceAll(r.raw, "{n}", strconv.Itoa(n))
	}
	m := r.method
	if m == "" {
		m = "OPTIONS"
	}
	h := map[string]string{
		"Via":          fmt.Sprintf("SIP/2.0/TLS vcse.acano.steven.lab:5061;branch=z9hG4bKmatrix%d", n),
		"Max-Forwards": "70",
		"From":         fmt.Sprintf("<sip:2000@acano.steven.lab>;tag=m%d", n),
		"To":           "<sip:stejanss@skype.lab>",
		"Call-ID":      fmt.Sprintf("matrix-%d", n),
		"CSeq":         "1 " + m,
		"Contact":      "<sip:2000@vcse.acano.steven.lab:5061;transport=tls>",
	}
	for k, v := range r.set {
		h[k] = v
	}
	var b strings.Builder
	start := r.start
	if start == "" {
		start = m + " sip:stejanss@skype.lab SIP/2.0"
	}
	b.WriteString(start + "\r\n")
	for _, k := range badHeaderOrder {
		if v := h[k]; v != "" {
			b.WriteString(k + ": " + v + "\r\n")
		}
	}
	for _, l := range r.add {
		b.WriteString(l + "\r\n")
	}
	if r.body != "" && !strings.Contains(strings.Join(r.add, "\n"), "Content-Type:") {
		b.WriteString("Content-Type: application/sdp\r\n")
	}
	cl := strconv.Itoa(len(r.body))
	if r.rawLen != "" {
		cl = r.rawLen
	}
	if cl != "-" {
		b.WriteString("Content-Length: " + cl + "\r\n")
	}
	b.WriteString("\r\n" + r.body)
	return b.String()
}

// outcome is the Edge's first final answer to what p sent, "close" or "none", within d.
func (p *rawPeer) outcome(d time.Duration) string {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		_ = p.c.SetReadDeadline(deadline)
		if _, err := p.br.Peek(1); err != nil {
			if isTimeout(err) {
				return "none"
			}
			if errors.Is(err, io.EOF) || strings.Contains(err.Error(), "closed") || strings.Contains(err.Error(), "reset") {
				return "close"
			}
			return "close: " + err.Error()
		}
		m := p.read(time.Until(deadline))
		if r, ok := m.(*sip.Response); ok && r.StatusCode >= 200 {
			return strconv.Itoa(r.StatusCode)
		}
	}
	return "none"
}

func TestBadInputMatrix(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect), func(c *config.Config) {
		c.Edge.MessageTimeout = 500 * time.Millisecond // rows with a short body end on it
		c.Edge.MaxMessageBytes = 8192
	})
	cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	good := e.peer(cert)
	rows := append(append(startLineRows(), headerRows()...), semanticRows()...)
	if len(rows) < 60 {
		t.Errorf("the matrix has %d rows; the issue asks for at least 60", len(rows))
	}
	for i, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			p := e.rawPeer(t, cert)
			p.send(r.message(i))
			wait := 2 * time.Second
			if r.want == "none" {
				wait = 300 * time.Millisecond // nothing comes; the bound only ends the wait
			}
			if got := p.outcome(wait); got != r.want {
				t.Errorf("answer %s, want %s (%s)\n%s", got, r.want, r.why, r.message(i))
			}
			if res := e.call(good, seedFrom, seedTo); !res.Answered {
				t.Fatalf("a good call after the row failed: %v", res.Final)
			}
		})
	}
}

var offer = standin.DefaultOffer
