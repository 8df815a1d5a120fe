package sipstack

import (
	"github.com/emiago/sipgo/sip"
)

// malformedHeader names a header the Edge's lenient parsers (lwsparams.go) kept although sipgo
// could not read it, so the request gets "400 Bad Request - Malformed <name>" (RFC 3261 §8.2.6.1,
// RFC 4475 badinv01, quotbal, badaspec) on a connection that stays open. It only looks further
// when a typed header is missing or the top Via carries the mark: a good request pays one lookup.
func malformedHeader(req *sip.Request) string {
	if v := req.Via(); v != nil && v.Params.Has(markMalformedVia) {
		return "Via"
	}
	switch {
	case req.From() == nil && isPlain(req, "From"):
		return "From"
	case req.To() == nil && isPlain(req, "To"):
		return "To"
	case req.CSeq() == nil && isPlain(req, "CSeq"):
		return "CSeq"
	}
	return ""
}

// isPlain: with no typed header of that name, one by the name is the plain one lwsparams.go kept.
func isPlain(req *sip.Request, name string) bool { return req.GetHeader(name) != nil }

// replyMalformed answers a request with an unreadable header. The unreadable From or To is
// copied as written; a marked Via loses its mark before it is copied.
func (s *Server) replyMalformed(req *sip.Request, tx sip.ServerTransaction, name string) {
	s.log.Info().Str("peer", req.Source()).Str("method", LogText(string(req.Method))).Str("malformed", name).Msg(MsgMalformed)
	if req.IsAck() {
		return
	}
	if v := req.Via(); v != nil {
		v.Params.Remove(markMalformedVia)
	}
	var extra []Header
	if req.From() == nil && isPlain(req, "From") {
		extra = append(extra, Header{"From", req.GetHeader("From").Value()})
	}
	if req.To() == nil && isPlain(req, "To") {
		extra = append(extra, Header{"To", req.GetHeader("To").Value()})
	}
	s.reply(req, tx, 0, 400, "Bad Request - Malformed "+name, extra)
}

// replyMalformedLine answers a request whose start line sipgo could not parse (malformed_start.go).
func (s *Server) replyMalformedLine(req *sip.Request, tx sip.ServerTransaction, status int, reason string) {
	s.log.Info().Str("peer", req.Source()).Str("method", LogText(string(req.Method))).Str("malformed", "start line").Msg(MsgMalformed)
	if !req.IsAck() {
		s.reply(req, tx, 0, status, reason, nil)
	}
}
