package sipstack

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// dialog is one answered call, kept until either side sends BYE.
type dialog struct {
	key      string
	invite   *sip.Request // the dialog-forming INVITE, for routing the Edge's own BYE
	localTag string
	cid      uint64
	owner    []byte // the peer's leaf certificate (DER): only its peer may act in the dialog
	sdp      []byte
	sdpType  string // the answer's Content-Type
	contact  string // the answering user's Contact, the same in every answer of the dialog
	rtpPort  int
	ended    chan struct{}
	endOnce  sync.Once
	mu       sync.Mutex
	cseq     uint32
	conn     *edgeConn   // the peer's latest connection in this dialog; under mu
	times    dialogTimes // under mu: what the dialog clock keeps (dialog_clock.go)
}

// current is the connection the peer last used in this dialog.
func (d *dialog) current() *edgeConn {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.conn
}

// touched records an in-dialog request from the owner over ec, which becomes the dialog's connection.
func (d *dialog) touched(ec *edgeConn) {
	ec.carried.Store(true)
	d.mu.Lock()
	d.conn = ec
	d.times.activeAt = time.Now()
	d.mu.Unlock()
}

// ack takes the first ACK of the dialog's 200 and says whether it was the first.
func (d *dialog) ack(at time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.times.ackedAt.IsZero() {
		return false
	}
	d.times.ackedAt, d.times.activeAt = at, at
	return true
}

// answered starts the clock of the dialog's 200: retransmitted at T1, doubling, until the ACK.
func (s *Server) answered(d *dialog, ok *sip.Response, at time.Time) {
	d.mu.Lock()
	t := &d.times
	t.answered, t.ok, t.interval, t.resendAt = at, ok, sip.T1, at.Add(sip.T1)
	d.mu.Unlock()
	s.clock.watch(d, at.Add(sip.T1))
}

func dialogKey(callID, localTag string) string { return callID + "\x00" + localTag }

func (d *dialog) end() {
	d.endOnce.Do(func() {
		close(d.ended)
		d.mu.Lock()
		d.times.ok = nil // the clock may hold the dialog a while yet; its 200 is never sent again
		d.mu.Unlock()
	})
}

func (s *Server) lookupDialog(req *sip.Request) *dialog {
	to, cid := req.To(), req.CallID()
	if to == nil || cid == nil {
		return nil
	}
	tag, _ := to.Params.Get("tag")
	if v, ok := s.dialogs.Load(dialogKey(cid.Value(), tag)); ok {
		return v.(*dialog)
	}
	return nil
}

func (s *Server) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if to := req.To(); to != nil && to.Params.Has("tag") {
		s.reinvite(req, tx)
		return
	}
	if s.retransmission(req, tx) {
		return
	}
	ec, ok := s.decide(req, tx)
	if !ok {
		return
	}
	s.answer(req, tx, ec)
}

// answer plays the Skype user picking up: 100, 180, (ring), 200 with an SDP answer.
func (s *Server) answer(req *sip.Request, tx sip.ServerTransaction, ec *edgeConn) {
	local := ec.LocalAddr().(*net.TCPAddr).IP
	port := s.rtp.next()
	body, ctype, err := s.answerSDP(req.Body(), local, port)
	if err != nil {
		s.log.Info().Err(err).Str("peer", req.Source()).Msg("no acceptable media in the offer")
		s.reply(req, tx, ec.cid, 488, "Not Acceptable Here", []Header{{"Warning", `304 ` + s.cfg.ContactHost + ` "` + err.Error() + `"`}})
		s.awaitAck(tx)
		return
	}
	d := &dialog{invite: req, localTag: newTag(), cid: ec.cid, owner: peerIdentity(ec), sdp: body, sdpType: ctype,
		contact: s.dialogContact(req), rtpPort: port, ended: make(chan struct{}), conn: ec}
	d.key = dialogKey(req.CallID().Value(), d.localTag)
	ec.carried.Store(true)
	ec.hold() // 100, 180 (and 200 when nothing rings) in one TLS write: coalesce.go
	defer func() { _ = ec.flush() }()
	if err := tx.Respond(s.newResponse(req, ec.cid, 100, "Trying", "", nil, nil, "")); err != nil {
		s.log.Warn().Err(err).Msg("100 failed")
	}
	_ = tx.Respond(s.newResponse(req, ec.cid, 180, "Ringing", d.localTag, s.answerHeaders(d), nil, ""))
	if s.cfg.AnswerDelay > 0 {
		if err := ec.flush(); err != nil { // the peer hears the ringing while it lasts
			s.log.Debug().Err(err).Msg("180 failed")
		}
		select {
		case <-time.After(s.cfg.AnswerDelay):
		case <-tx.Done(): // CANCEL: sipgo has answered 200 to it and 487 to the INVITE
			s.log.Info().Str("call_id", LogText(req.CallID().Value())).Msg("call cancelled while ringing")
			return
		case <-s.closed:
			s.reply(req, tx, ec.cid, 503, "Service Unavailable", nil)
			s.awaitAck(tx)
			return
		}
	}
	s.remember(d)
	ok := s.okResponse(req, ec.cid, d)
	ec.unhold()
	if err := tx.Respond(ok); err != nil {
		s.forget(d)
		s.log.Warn().Err(err).Str("peer", req.Source()).Msg("could not send 200 OK")
		return
	}
	s.log.Info().Str("call_id", LogText(req.CallID().Value())).Str("peer", req.Source()).Int("rtp_port", port).Msg("call answered")
	s.answered(d, ok, time.Now())
}

func (s *Server) onAck(req *sip.Request, tx sip.ServerTransaction) {
	if d := s.lookupDialog(req); d != nil {
		if _, ok := s.checkOwner(d, req, tx); ok {
			if now := time.Now(); d.ack(now) && s.cfg.HangupAfter > 0 {
				s.clock.watch(d, now.Add(s.cfg.HangupAfter))
			}
		}
	}
}

// inDialog finds the dialog of an in-dialog request and checks it comes from the dialog's peer; it
// has answered (481, or 403 from checkOwner) when it returns false.
func (s *Server) inDialog(req *sip.Request, tx sip.ServerTransaction) (*dialog, *edgeConn, bool) {
	d := s.lookupDialog(req)
	if d == nil {
		s.reply(req, tx, 0, 481, "Call/Transaction Does Not Exist", nil)
		return nil, nil, false
	}
	ec, ok := s.checkOwner(d, req, tx)
	return d, ec, ok
}

// onInfo takes an INFO inside a call (Lync sends them, and Allow lists the method) from the call's
// peer; outside one there is nothing to apply it to.
func (s *Server) onInfo(req *sip.Request, tx sip.ServerTransaction) {
	if s.outboundInfo(req, tx) {
		return
	}
	_, ec, ok := s.inDialog(req, tx)
	if !ok {
		return
	}
	s.reply(req, tx, ec.cid, 200, "OK", nil)
}

func (s *Server) onBye(req *sip.Request, tx sip.ServerTransaction) {
	if s.outboundBye(req, tx) {
		return
	}
	d, ec, ok := s.inDialog(req, tx)
	if !ok {
		return
	}
	d.end()
	s.forget(d)
	s.reply(req, tx, ec.cid, 200, "OK", nil)
	s.log.Info().Str("call_id", LogText(req.CallID().Value())).Msg("call ended by the peer")
}

// onCancel sees only CANCELs that match no pending INVITE (sipgo answers the others itself).
func (s *Server) onCancel(req *sip.Request, tx sip.ServerTransaction) {
	s.reply(req, tx, 0, 481, "Call/Transaction Does Not Exist", nil)
}

// reinvite answers a session refresh or hold with the same SDP, or 481 outside a dialog.
func (s *Server) reinvite(req *sip.Request, tx sip.ServerTransaction) {
	if s.outboundReinvite(req, tx) {
		return
	}
	d, ec, ok := s.inDialog(req, tx)
	if !ok {
		return
	}
	body, ctype := d.sdp, d.sdpType
	if len(req.Body()) > 0 {
		if b, t, err := s.answerSDP(req.Body(), net.ParseIP(sdpAddr(SDPOfBody(d.sdp))), d.rtpPort); err == nil {
			body, ctype = b, t
		}
	}
	res := s.newResponse(req, ec.cid, 200, "OK", d.localTag, s.answerHeaders(d), body, ctype)
	_ = tx.Respond(res)
}

// sendBye hangs up from the Edge's side over the peer's live connection in the dialog, else over a
// new one to the dialog's next hop.
func (s *Server) sendBye(d *dialog) {
	inv := d.invite
	target := inv.From().Address
	if c := inv.Contact(); c != nil {
		target = c.Address
	}
	bye := sip.NewRequest(sip.BYE, *target.Clone())
	from := &sip.FromHeader{DisplayName: inv.To().DisplayName, Address: *inv.To().Address.Clone(), Params: sip.HeaderParams{{K: "tag", V: d.localTag}}}
	to := &sip.ToHeader{DisplayName: inv.From().DisplayName, Address: *inv.From().Address.Clone(), Params: inv.From().Params.Clone()}
	d.mu.Lock()
	d.cseq++
	seq := d.cseq
	d.mu.Unlock()
	for _, rr := range inv.GetHeaders("Record-Route") {
		bye.AppendHeader(sip.NewHeader("Route", rr.Value()))
	}
	bye.AppendHeader(from)
	bye.AppendHeader(to)
	bye.AppendHeader(sip.HeaderClone(inv.CallID()))
	bye.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: sip.BYE})
	bye.AppendHeader(sip.NewHeader("Server", s.cfg.ServerHeader))
	bye.SetTransport("TLS")
	conn := d.current()
	select {
	case <-conn.gone:
		s.forget(d) // the dialog ends now; its BYE is the Edge's last word, not the peer's cue
		s.byeOnNewConn(d, bye)
		return
	default:
	}
	bye.SetDestination(conn.RemoteAddr().String())
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.AckTimeout)
	defer cancel()
	res, err := s.cli.Do(ctx, bye)
	d.end()
	if err != nil {
		s.log.Warn().Err(err).Str("call_id", LogText(inv.CallID().Value())).Msg("BYE from the Edge got no answer")
		return
	}
	s.log.Info().Str("call_id", LogText(inv.CallID().Value())).Int("status", res.StatusCode).Msg("call ended by the Edge")
}
