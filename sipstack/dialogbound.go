package sipstack

import "time"

// superviseDialog bounds an answered, ACKed dialog (issue 16: a call whose peer vanished was kept
// forever). It ends when either side hangs up, after HangupAfter, after DialogIdleTimeout without
// an in-dialog request from the peer (the Edge sends BYE), or when the peer's connection has been
// gone for DialogConnGrace without the peer coming back on another one with its certificate (then
// with a BYE on a new connection to the dialog's next hop, when a Redialer is configured).
func (s *Server) superviseDialog(d *dialog) {
	var hangup <-chan time.Time
	if s.cfg.HangupAfter > 0 {
		t := time.NewTimer(s.cfg.HangupAfter)
		defer t.Stop()
		hangup = t.C
	}
	idle := time.NewTimer(s.cfg.DialogIdleTimeout)
	defer idle.Stop()
	var grace <-chan time.Time // set while the dialog's connection is gone
	var graceTimer *time.Timer
	defer func() {
		if graceTimer != nil {
			graceTimer.Stop()
		}
	}()
	for {
		conn := d.current()
		gone := conn.gone
		if grace != nil {
			gone = nil // already counting down
		}
		select {
		case <-d.ended:
			return
		case <-s.closed:
			return
		case <-hangup:
			s.sendBye(d)
			return
		case <-d.activity:
			idle.Reset(s.cfg.DialogIdleTimeout)
			if grace != nil && d.current() != conn {
				graceTimer.Stop()
				grace, graceTimer = nil, nil // back on a new connection
			}
		case <-idle.C:
			s.log.Info().Str("call_id", LogText(d.invite.CallID().Value())).Dur("idle", s.cfg.DialogIdleTimeout).
				Msg("no in-dialog request for edge.dialog_idle_timeout; hanging up")
			s.sendBye(d)
			return
		case <-gone:
			graceTimer = time.NewTimer(s.cfg.DialogConnGrace)
			grace = graceTimer.C
		case <-grace:
			s.log.Info().Str("call_id", LogText(d.invite.CallID().Value())).Dur("grace", s.cfg.DialogConnGrace).
				Msg("call ended by the Edge: the peer's connection is gone past edge.dialog_conn_grace")
			s.sendBye(d) // over a new connection to the dialog's next hop, where the route allows
			return
		}
	}
}
