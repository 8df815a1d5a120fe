package sipstack

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// newResponse builds a response the way the Edge lays one out on the wire: Via (top one stamped),
// Record-Route when dialog-forming, Call-ID, CSeq, From, To with the Edge's tag, extra headers,
// Server, then Content-Length (and Content-Type when there is a body).
func (s *Server) newResponse(req *sip.Request, cid uint64, status int, reason, toTag string, extra []Header, body []byte, contentType string) *sip.Response {
	res := sip.NewResponse(status, reason)
	res.SipVersion = sipVersion // never echo a peer's version: SIP/7.0 gets a SIP/2.0 505
	for i, v := range req.GetHeaders("Via") {
		h := v.(*sip.ViaHeader).Clone()
		if i == 0 {
			stampVia(h, req.Source(), cid)
		}
		res.AppendHeader(h)
	}
	if req.IsInvite() && status > 100 && status < 300 {
		if s.cfg.RecordRoute && toTag != "" {
			// The Edge record-routes the dialog: its entry is the one nearest the user behind it.
			res.AppendHeader(sip.NewHeader("Record-Route", s.recordRoute()))
		}
		for _, rr := range req.GetHeaders("Record-Route") {
			res.AppendHeader(rr)
		}
	}
	// Call-ID, CSeq and From go out as the request has them and nothing changes them later, so the
	// response shares the request's headers rather than copying them (a call's four answers made
	// twelve copies); Via and To are copied because the Edge adds to them.
	if h := req.CallID(); h != nil {
		res.AppendHeader(h)
	}
	if h := req.CSeq(); h != nil {
		res.AppendHeader(h)
	}
	if h := req.From(); h != nil {
		res.AppendHeader(h)
	}
	if h := req.To(); h != nil {
		to := sip.HeaderClone(h).(*sip.ToHeader)
		if status != 100 && !to.Params.Has("tag") && toTag != "" {
			to.Params.Add("tag", toTag)
		}
		res.AppendHeader(to)
	}
	for _, h := range extra {
		res.AppendHeader(sip.NewHeader(h.Name, h.Value))
	}
	res.AppendHeader(sip.NewHeader("Server", s.cfg.ServerHeader))
	if contentType != "" {
		res.AppendHeader(sip.NewHeader("Content-Type", contentType))
	}
	res.SetBody(body)
	res.SetTransport(req.Transport())
	res.SetDestination(req.Source())
	return res
}

// stampVia adds what the Edge adds to the top Via of every request it answers:
// received=<ip>;ms-received-port=<port>;ms-received-cid=<hex>. A bare rport stays bare, as captured.
func stampVia(v *sip.ViaHeader, source string, cid uint64) {
	host, port := source, ""
	if i := strings.LastIndexByte(source, ':'); i >= 0 {
		host, port = strings.Trim(source[:i], "[]"), source[i+1:]
	}
	v.Params.Add("received", host)
	v.Params.Add("ms-received-port", port)
	v.Params.Add("ms-received-cid", strings.ToUpper(strconv.FormatUint(cid, 16)))
}

// newTag is a To tag in the Edge's form: 32 upper-case hex digits.
func newTag() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}
