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
}

// adoptCall makes the listener answer a BYE for the Edge's dialog (Call-ID, the Edge's From tag)
// from the far end holding owner's certificate; release ends that.
func (s *Server) adoptCall(callID, localTag string, owner []byte, hungUp func(*Message)) (release func()) {
	key := dialogKey(callID, localTag)
	oc := &outboundCall{owner: owner, hungUp: hungUp}
	s.placed.Store(key, oc)
	return func() { s.placed.CompareAndDelete(key, oc) }
}

// outboundBye answers a BYE for a call the Edge placed; false when req is for no such call. The
// Call-ID and tags are the peer's to write, so the certificate decides, as for answered calls.
func (s *Server) outboundBye(req *sip.Request, tx sip.ServerTransaction) bool {
	to, cid := req.To(), req.CallID()
	if to == nil || cid == nil {
		return false
	}
	tag, _ := to.Params.Get("tag")
	v, ok := s.placed.Load(dialogKey(cid.Value(), tag))
	if !ok {
		return false
	}
	oc := v.(*outboundCall)
	ec, err := deliveringConn(req, tx)
	if err != nil || oc.owner == nil || !bytes.Equal(peerIdentity(ec), oc.owner) {
		ev := s.log.Warn().Str("peer", req.Source()).Str("call_id", cid.Value())
		if err != nil {
			ev = ev.Err(err)
		}
		ev.Msg("BYE for a call the Edge placed, from another peer; refused")
		var connID uint64
		if ec != nil {
			connID = ec.cid
		}
		s.reply(req, tx, connID, 403, "Forbidden", nil)
		return true
	}
	s.reply(req, tx, ec.cid, 200, "OK", nil)
	oc.hungUp(MessageOf(req))
	s.log.Info().Str("call_id", cid.Value()).Str("peer", req.Source()).Msg("call placed by the Edge ended by the peer on a new connection")
	return true
}
