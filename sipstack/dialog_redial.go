package sipstack

import (
	"context"
	"net"
	"strconv"

	"github.com/emiago/sipgo/sip"
)

// byeOnNewConn hangs up a dialog whose peer's connection is gone: a new connection to the next hop
// the dialog learned (its route set's first entry, else the peer's Contact), never the peer's
// source address nor a Via, opened by the configured Redialer and closed after the answer. The
// dialog ends whatever the outcome, which is logged; every step is bounded by the ACK timeout.
func (s *Server) byeOnNewConn(d *dialog, bye *sip.Request) {
	d.end()
	callID := d.invite.CallID().Value()
	if s.cfg.Redial == nil {
		s.log.Info().Str("call_id", LogText(callID)).Msg("call ended by the Edge without a BYE: the peer's connection is gone")
		return
	}
	hop, err := hopOf(routeValues(bye), bye.Recipient)
	if err != nil {
		s.log.Warn().Err(err).Str("call_id", LogText(callID)).Msg("call ended by the Edge without a BYE: no next hop")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.AckTimeout)
	defer cancel()
	pc, err := s.cfg.Redial(ctx, hop)
	if err != nil {
		s.log.Warn().Err(err).Str("call_id", LogText(callID)).Str("hop", hop.String()).Msg("call ended by the Edge without a BYE: no new connection to the next hop")
		return
	}
	defer pc.Close()
	if v, err := edgeVia(net.JoinHostPort(s.cfg.ContactHost, strconv.Itoa(s.port))); err == nil {
		bye.PrependHeader(v)
	}
	mf := sip.MaxForwardsHeader(70)
	bye.AppendHeader(&mf)
	bye.SetBody(nil)
	res, err := pc.exchange(ctx, bye)
	if err != nil {
		s.log.Warn().Err(err).Str("call_id", LogText(callID)).Str("hop", hop.String()).Msg("BYE from the Edge on a new connection got no answer")
		return
	}
	s.log.Info().Str("call_id", LogText(callID)).Str("hop", hop.String()).Int("status", res.StatusCode).Msg("call ended by the Edge on a new connection")
}
