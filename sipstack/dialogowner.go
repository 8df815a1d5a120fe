package sipstack

import (
	"bytes"

	"github.com/emiago/sipgo/sip"
)

// peerIdentity is what owns a dialog: the leaf certificate of the connection that formed it. The
// Call-ID and tags travel in clear headers a peer picks, so they prove nothing on their own.
func peerIdentity(ec *edgeConn) []byte {
	if cs := ec.ConnectionState(); len(cs.PeerCertificates) > 0 {
		return cs.PeerCertificates[0].Raw
	}
	return nil
}

// ownedBy says whether req came from d's peer: over the dialog's own connection, or over another
// one presenting the same certificate (an Expressway-E may open a new connection mid-call).
func (d *dialog) ownedBy(ec *edgeConn) bool {
	if ec.cid == d.cid {
		return true
	}
	id := peerIdentity(ec)
	return id != nil && bytes.Equal(id, d.owner)
}

// checkOwner answers 403 to an in-dialog request from anyone but the dialog's peer and says so in
// the log; it returns the delivering connection when the request may proceed. An ACK gets no answer.
func (s *Server) checkOwner(d *dialog, req *sip.Request, tx sip.ServerTransaction) (*edgeConn, bool) {
	ec, err := deliveringConn(req, tx)
	if err == nil && d.ownedBy(ec) {
		d.touched(ec)
		return ec, true
	}
	ev := s.log.Warn().Str("peer", req.Source()).Str("method", LogText(string(req.Method))).Str("call_id", LogText(req.CallID().Value()))
	if err != nil {
		ev = ev.Err(err)
	}
	ev.Msg("in-dialog request from another peer; refused")
	if !req.IsAck() {
		var cid uint64
		if ec != nil {
			cid = ec.cid
		}
		s.reply(req, tx, cid, 403, "Forbidden", nil)
	}
	return nil, false
}
