package sipstack

import (
	"bytes"

	"github.com/emiago/sipgo/sip"
)

// outboundCall is a dialog the Edge formed by calling out (PeerConn.Call over its own connection).
// The far end may send its BYE on a new connection to the Edge's listener instead (RFC 3261
// §12.2.1.1: to the Record-Route the Edge put on the INVITE), which is where this finds the call.
type outboundCall struct {
	owner  []byte         // the far end's certificate (DER): only it may end the call this way
	hungUp func(*Message) // tells the call the far end hung up
	offer  *sip.Request   // the Edge's INVITE: its Contact and SDP answer a session refresh
}

// adoptCall makes the listener answer a BYE, INFO or re-INVITE for the Edge's dialog (its INVITE's
// Call-ID and From tag) from the far end holding owner's certificate; release ends that.
func (s *Server) adoptCall(invite *sip.Request, localTag string, owner []byte, hungUp func(*Message)) (release func()) {
	key := dialogKey(invite.CallID().Value(), localTag)
	oc := &outboundCall{owner: owner, hungUp: hungUp, offer: invite}
	s.placed.Store(key, oc)
	return func() { s.placed.CompareAndDelete(key, oc) }
}

// placedCall finds the call the Edge placed that an in-dialog request names. found is false when
// there is none; when the request comes from another peer it has been answered 403 and oc is nil.
// The Call-ID and tags are the peer's to write, so the certificate decides, as for answered calls.
func (s *Server) placedCall(req *sip.Request, tx sip.ServerTransaction) (oc *outboundCall, ec *edgeConn, found bool) {
	to, cid := req.To(), req.CallID()
	if to == nil || cid == nil {
		return nil, nil, false
	}
	tag, _ := to.Params.Get("tag")
	v, ok := s.placed.Load(dialogKey(cid.Value(), tag))
	if !ok {
		return nil, nil, false
	}
	oc = v.(*outboundCall)
	ec, err := deliveringConn(req, tx)
	if err == nil && oc.owner != nil && bytes.Equal(peerIdentity(ec), oc.owner) {
		return oc, ec, true
	}
	ev := s.log.Warn().Str("peer", req.Source()).Str("call_id", LogText(cid.Value())).Str("method", LogText(string(req.Method)))
	if err != nil {
		ev = ev.Err(err)
	}
	ev.Msg("request for a call the Edge placed, from another peer; refused")
	var connID uint64
	if ec != nil {
		connID = ec.cid
	}
	s.reply(req, tx, connID, 403, "Forbidden", nil)
	return nil, nil, true
}

// outboundBye answers a BYE for a call the Edge placed; false when req is for no such call.
func (s *Server) outboundBye(req *sip.Request, tx sip.ServerTransaction) bool {
	oc, ec, found := s.placedCall(req, tx)
	if oc == nil {
		return found
	}
	s.reply(req, tx, ec.cid, 200, "OK", nil)
	oc.hungUp(MessageOf(req))
	s.log.Info().Str("call_id", LogText(req.CallID().Value())).Str("peer", req.Source()).Msg("call placed by the Edge ended by the peer on a new connection")
	return true
}

// outboundInfo answers an INFO in a call the Edge placed, as inside a call it answered.
func (s *Server) outboundInfo(req *sip.Request, tx sip.ServerTransaction) bool {
	oc, ec, found := s.placedCall(req, tx)
	if oc != nil {
		s.reply(req, tx, ec.cid, 200, "OK", nil)
	}
	return found
}

// outboundReinvite answers a session refresh in a call the Edge placed with the Edge's Contact
// and the SDP of its INVITE: the Edge's session has not changed.
func (s *Server) outboundReinvite(req *sip.Request, tx sip.ServerTransaction) bool {
	oc, ec, found := s.placedCall(req, tx)
	if oc == nil {
		return found
	}
	tag, _ := req.To().Params.Get("tag")
	var extra []Header
	if c := oc.offer.Contact(); c != nil {
		extra = append(extra, Header{"Contact", c.Value()})
	}
	ctype := ""
	if ct := oc.offer.ContentType(); ct != nil {
		ctype = ct.Value()
	}
	if err := tx.Respond(s.newResponse(req, ec.cid, 200, "OK", tag, extra, oc.offer.Body(), ctype)); err != nil {
		s.log.Debug().Err(err).Msg("respond failed")
	}
	return true
}
