package sipstack

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// allowed is what OPTIONS and 405 answers advertise.
const allowed = "INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, SUBSCRIBE, INFO"

func (s *Server) routes() {
	s.srv.OnInvite(s.tracked(s.onInvite))
	s.srv.OnAck(s.tracked(s.onAck))
	s.srv.OnBye(s.tracked(s.onBye))
	s.srv.OnCancel(s.tracked(s.onCancel))
	s.srv.OnMessage(s.tracked(s.onDecided(s.acceptMessage)))
	s.srv.OnOptions(s.tracked(s.onDecided(s.acceptOptions)))
	s.srv.OnSubscribe(s.tracked(s.onDecided(s.acceptSubscribe)))
	s.srv.OnRequest(sip.INFO, s.tracked(s.onInfo))
	for _, m := range []sip.RequestMethod{sip.REGISTER, sip.NOTIFY, sip.REFER, sip.PRACK, sip.UPDATE, sip.PUBLISH} {
		s.srv.OnRequest(m, s.tracked(s.onNotAllowed))
	}
	s.srv.OnNoRoute(s.tracked(s.onNotImplemented))
}

// tracked counts in-flight handlers for a graceful stop and refuses new work while stopping.
// The count only grows under gate, and never once closing is set, so Close may Wait on it.
func (s *Server) tracked(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		s.gate.Lock()
		if s.closing.Load() {
			s.gate.Unlock()
			if !req.IsAck() {
				s.reply(req, tx, 0, 503, "Service Unavailable", nil)
			}
			return
		}
		s.work.Add(1)
		s.gate.Unlock()
		defer s.work.Done()
		if sheddable(req) {
			if !s.shed.enter() {
				s.shedReply(req, tx)
				return
			}
			defer s.shed.leave()
		}
		// RFC 3261 §21.5.7: another SIP version gets 505, written in the version the Edge speaks.
		if req.SipVersion != sipVersion {
			if !req.IsAck() {
				s.log.Info().Str("peer", req.Source()).Str("version", req.SipVersion).Msg("unsupported SIP version")
				s.reply(req, tx, 0, 505, "Version Not Supported", nil)
			}
			return
		}
		if status, reason := malformedStartLine(req); status != 0 {
			s.replyMalformedLine(req, tx, status, reason)
			return
		}
		if name := malformedHeader(req); name != "" {
			s.replyMalformed(req, tx, name)
			return
		}
		if status, reason, field, value := requestFault(req); status != 0 {
			if !req.IsAck() {
				ev := s.log.Info().Str("peer", req.Source()).Str("method", LogText(string(req.Method)))
				if field != "" {
					ev = ev.Str(field, value)
				}
				ev.Msg(MsgMalformed)
				s.reply(req, tx, 0, status, reason, nil)
			}
			return
		}
		// A handler bug must cost one transaction, not the Edge every peer is talking to.
		defer func() {
			if r := recover(); r != nil {
				s.log.Error().Str("peer", req.Source()).Str("method", LogText(string(req.Method))).Any("panic", r).Msg("request handler failed")
				if !req.IsAck() {
					s.reply(req, tx, 0, 500, "Server Internal Error", nil)
				}
			}
		}()
		h(req, tx)
	}
}

// requestFault is the first fault of req that the Edge answers itself before any handler: the
// status and reason of the answer, and the process-log field naming what was wrong (none for some).
// Status 0: none.
func requestFault(req *sip.Request) (status int, reason, field, value string) {
	// sipgo itself only insists on Via and CSeq; every handler here relies on these too.
	if missing := missingHeader(req); missing != "" {
		return 400, "Bad Request - Missing " + missing, "missing", missing
	}
	// RFC 3261 §8.1.1.5: the CSeq method matches the request's; sipgo keys transactions on it.
	if m := req.CSeq().MethodName; m != req.Method && !caseOnlyOfUnknown(m, req.Method) {
		return 400, "Bad Request - CSeq method does not match", "cseq", LogText(req.CSeq().Value())
	}
	if dup := duplicateHeader(req); dup != "" {
		return 400, "Bad Request - Duplicate " + dup, "duplicate", dup
	}
	// RFC 3261 §8.2.2.1: a Request-URI scheme the Edge does not serve gets 416 (RFC 4475 unkscm).
	if !servedScheme(req.Recipient.Scheme) {
		return 416, "Unsupported URI Scheme", "", ""
	}
	// RFC 3261 §19.1.1: a URI's headers are not allowed in a Request-URI (RFC 4475 escruri).
	if len(req.Recipient.Headers) > 0 {
		return 400, "Bad Request - Headers in Request-URI", "", ""
	}
	if name := uriWithRawBytes(req); name != "" {
		return 400, "Bad Request - Unescaped bytes in " + name, "uri", name
	}
	return 0, "", "", ""
}

// caseOnlyOfUnknown reports a CSeq method that differs from the start line's only in case, for a
// method the Edge does not know: sipgo upper-cases the start line's method and not CSeq's, so that is
// no mismatch the peer made, and an unknown method gets its 501 whatever its case (RFC 4475 intmeth).
// A known method in another case ("options") is another, unknown, method sipgo made look known.
func caseOnlyOfUnknown(cseq, method sip.RequestMethod) bool {
	if !strings.EqualFold(string(cseq), string(method)) {
		return false
	}
	switch method {
	case sip.INVITE, sip.ACK, sip.BYE, sip.CANCEL, sip.OPTIONS, sip.MESSAGE, sip.SUBSCRIBE, sip.INFO,
		sip.REGISTER, sip.NOTIFY, sip.REFER, sip.PRACK, sip.UPDATE, sip.PUBLISH:
		return false
	}
	return true
}

// servedScheme reports whether a Request-URI of scheme names someone the Edge can judge: SIP and
// SIPS users, and tel numbers (refused later as nobody the Edge serves, like any unknown user).
func servedScheme(scheme string) bool {
	switch strings.ToLower(scheme) {
	case "sip", "sips", "tel":
		return true
	}
	return false
}

// sipVersion is the only version the Edge speaks, in requests and in every response.
const sipVersion = "SIP/2.0"

// duplicateHeader names the first header that must appear once (RFC 3261 §7.3.1, §20) but appears
// more often, "" when none. sipgo reads the first and ignores the rest; the two could disagree on
// who the caller is, so such a request is refused outright. One pass over the headers, counting:
// a GetHeaders per name walked them seven times and built seven slices per request.
func duplicateHeader(req *sip.Request) string {
	var seen [len(singleHeaders)]int
	for _, h := range req.Headers() {
		name := sip.HeaderToLower(h.Name())
		for i, single := range singleHeaders {
			if name == single.lower {
				seen[i]++
				break
			}
		}
	}
	for i, n := range seen {
		if n > 1 {
			return singleHeaders[i].name
		}
	}
	return ""
}

// singleHeaders are the headers a request may carry once, in the order duplicateHeader reports them.
var singleHeaders = [...]struct{ name, lower string }{
	{"From", "from"}, {"To", "to"}, {"Call-ID", "call-id"}, {"CSeq", "cseq"},
	{"Max-Forwards", "max-forwards"}, {"Content-Length", "content-length"}, {"Content-Type", "content-type"},
}

// missingHeader names the first mandatory header (RFC 3261 §8.1.1) a request lacks, "" when complete.
func missingHeader(req *sip.Request) string {
	switch {
	case req.Via() == nil:
		return "Via"
	case req.From() == nil:
		return "From"
	case req.To() == nil:
		return "To"
	case req.CallID() == nil:
		return "Call-ID"
	case req.CSeq() == nil:
		return "CSeq"
	}
	return ""
}

// deliveringConn is the connection that carried req: only its TLS state may speak for the peer.
func deliveringConn(req *sip.Request, tx sip.ServerTransaction) (*edgeConn, error) {
	if lt, ok := tx.(*leanTx); ok {
		return lt.ec, nil
	}
	stx, ok := tx.(*sip.ServerTx)
	if !ok {
		return nil, fmt.Errorf("transaction %T has no connection", tx)
	}
	tc, ok := stx.Connection().(*sip.TCPConnection)
	if !ok {
		return nil, fmt.Errorf("connection %T is not TLS", stx.Connection())
	}
	// sipgo dials the Via address when the delivering connection is gone; that one is not the peer's.
	if tc.RemoteAddr().String() != req.Source() {
		return nil, errors.New("the delivering connection is gone")
	}
	ec, ok := tc.Conn.(*edgeConn)
	if !ok {
		return nil, fmt.Errorf("connection %T was not accepted by the Edge listener", tc.Conn)
	}
	return ec, nil
}

// decide gathers the facts of a new request and asks the Decider. A refusal is answered here.
func (s *Server) decide(req *sip.Request, tx sip.ServerTransaction) (*edgeConn, bool) {
	ec, err := deliveringConn(req, tx)
	if err != nil {
		s.log.Warn().Err(err).Str("peer", req.Source()).Msg("request without its TLS connection; dropped")
		return nil, false
	}
	facts := requestFacts(req)
	facts.ConnID = ec.cid
	facts.PeerChain = peerChain(ec.ConnectionState())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lt, _ := tx.(*leanTx)
	if lt != nil && lt.onReader {
		ctx = context.WithValue(ctx, onReaderKey{}, true)
	}
	d := s.dec.Decide(ctx, facts)
	if d.Later && lt != nil && lt.onReader {
		lt.later = true // lean.go runs the handler again on a worker
		return nil, false
	}
	if d.Allow {
		return ec, true
	}
	res := s.newResponse(req, ec.cid, d.Status, d.Reason, newTag(), d.Headers, nil, "")
	if err := tx.Respond(res); err != nil {
		s.log.Warn().Err(err).Str("peer", req.Source()).Msg("could not send the refusal")
		return nil, false
	}
	if req.IsInvite() {
		s.awaitAck(tx)
	}
	return nil, false
}

func peerChain(cs tls.ConnectionState) []*x509.Certificate { return cs.PeerCertificates }

// awaitAck keeps a refused INVITE's transaction until its ACK arrives (RFC 3261 §17.2.1), bounded.
// It does not end early on shutdown: the connection must outlive the final answer's delivery.
func (s *Server) awaitAck(tx sip.ServerTransaction) {
	if lt, ok := tx.(*leanTx); ok {
		lt.awaitAck() // it waits in the call path's table, holding no goroutine
		return
	}
	t := time.NewTimer(s.cfg.AckTimeout)
	defer t.Stop()
	select {
	case <-tx.Acks():
	case <-tx.Done():
	case <-t.C:
	}
}

// onDecided runs accept for a request the Decider allows. A To tag earns no exemption: the peer
// chooses it, so an in-dialog MESSAGE or SUBSCRIBE refresh is judged like a new one.
func (s *Server) onDecided(accept func(req *sip.Request, tx sip.ServerTransaction, ec *edgeConn)) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		if ec, ok := s.decide(req, tx); ok {
			accept(req, tx, ec)
		}
	}
}

// reply answers with the Edge's layout; cid 0 looks the connection up.
func (s *Server) reply(req *sip.Request, tx sip.ServerTransaction, cid uint64, status int, reason string, extra []Header) {
	if cid == 0 {
		if ec, err := deliveringConn(req, tx); err == nil {
			cid = ec.cid
		}
	}
	tag := ""
	if status != 100 {
		tag = newTag()
	}
	if err := tx.Respond(s.newResponse(req, cid, status, reason, tag, extra, nil, "")); err != nil {
		s.log.Debug().Err(err).Int("status", status).Msg("respond failed")
	}
}

func (s *Server) onNotAllowed(req *sip.Request, tx sip.ServerTransaction) {
	s.reply(req, tx, 0, 405, "Method Not Allowed", []Header{{"Allow", allowed}})
}

func (s *Server) onNotImplemented(req *sip.Request, tx sip.ServerTransaction) {
	s.reply(req, tx, 0, 501, "Not Implemented", []Header{{"Allow", allowed}})
}
