package sipstack

import "github.com/emiago/sipgo/sip"

// INVITE retransmissions after the 200 (RFC 3261 §17.2.1 and RFC 6026 §7.1). sipgo's server
// transaction would absorb them in its Accepted state, but a handler's return terminates a TLS
// transaction at once, so a copy arriving after the 200 used to start a new call with a new To tag.
// The Edge, as the TU, recognises a copy by Call-ID, From tag and CSeq and answers it with the
// dialog's 200; and it retransmits the 200 itself until the ACK comes (§13.3.1.4, dialog_clock.go).

func inviteKey(req *sip.Request) string {
	from, _ := req.From().Params.Get("tag")
	return req.CallID().Value() + "\x00" + from + "\x00" + cseqValue(req.CSeq())
}

// remember indexes an answered dialog by its INVITE; forget drops both indexes.
func (s *Server) remember(d *dialog) {
	s.dialogs.Store(d.key, d)
	s.invites.Store(inviteKey(d.invite), d)
}

func (s *Server) forget(d *dialog) {
	s.dialogs.Delete(d.key)
	s.invites.CompareAndDelete(inviteKey(d.invite), d)
}

// retransmission answers a copy of an INVITE already answered 200 with that same 200, on the
// copy's own transaction. It reports false when req starts no known dialog.
func (s *Server) retransmission(req *sip.Request, tx sip.ServerTransaction) bool {
	v, ok := s.invites.Load(inviteKey(req))
	if !ok {
		return false
	}
	d := v.(*dialog)
	ec, ok := s.checkOwner(d, req, tx)
	if !ok {
		return true
	}
	s.log.Debug().Str("call_id", LogText(req.CallID().Value())).Msg("INVITE retransmission; answering with the dialog's 200")
	if err := tx.Respond(s.okResponse(req, ec.cid, d)); err != nil {
		s.log.Debug().Err(err).Msg("could not repeat the 200")
	}
	return true
}

func (s *Server) okResponse(req *sip.Request, cid uint64, d *dialog) *sip.Response {
	return s.newResponse(req, cid, 200, "OK", d.localTag, s.answerHeaders(d), d.sdp, d.sdpType)
}
