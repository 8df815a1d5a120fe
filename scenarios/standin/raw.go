package standin

import (
	"bufio"
	"crypto/tls"

	"github.com/emiago/sipgo/sip"

	"github.com/edgesim/edgesim/sipstack"
)

// serveRaw reads requests off the connection without sipgo, so it can stay silent or lie, and so
// the ACK of a rejection is seen for sure (sipgo's transaction may end before it hands the ACK on).
func (p *Server) serveRaw(tc *tls.Conn) {
	defer tc.Close()
	go func() { <-p.closed; _ = tc.Close() }()
	r := bufio.NewReader(tc)
	parser := sip.NewParser()
	for {
		raw, err := readRawMessage(r)
		if err != nil {
			return
		}
		msg, err := parser.ParseSIP(raw)
		if err != nil {
			return
		}
		req, ok := msg.(*sip.Request)
		if !ok {
			continue
		}
		req.SetSource(tc.RemoteAddr().String())
		p.record(req)
		if !req.IsInvite() {
			continue
		}
		switch p.cfg.Behaviour {
		case Garbage:
			_, _ = tc.Write([]byte("\x16\x03\x01 this is not SIP \xff\xfe\r\n\r\n"))
		case Reject:
			_, _ = tc.Write([]byte(p.rejection(req).String()))
		}
	}
}

// readRawMessage reads one message framed by Content-Length, as a stream transport must.
func readRawMessage(r *bufio.Reader) ([]byte, error) {
	return sipstack.ReadRawMessage(r, sip.ParseMaxMessageLength)
}

// rejection is the peer's failure answer, laid out as an Expressway sends one.
func (p *Server) rejection(req *sip.Request) *sip.Response {
	res := sip.NewResponseFromRequest(req, p.cfg.Status, p.cfg.Reason, nil)
	if to := res.To(); to != nil && !to.Params.Has("tag") {
		to.Params.Add("tag", sip.GenerateTagN(16))
	}
	if p.cfg.Diagnostics != "" {
		res.AppendHeader(sip.NewHeader("ms-diagnostics", p.cfg.Diagnostics))
	}
	res.AppendHeader(sip.NewHeader("Server", peerServerHeader))
	return res
}
