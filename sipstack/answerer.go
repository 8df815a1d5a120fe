package sipstack

import (
	"net"

	"github.com/emiago/sipgo/sip"
)

// Answerer shapes the answer of the user behind the Edge: its Contact, its own headers and its SDP.
// The Edge plugs in its client profile; nil fields keep the generic answer.
type Answerer struct {
	// Contact is the answering user's Contact for a dialog to user@host (a GRUU for Lync).
	Contact func(user, host string) string
	// Headers follow the Contact on 180 and 200 (User-Agent, Supported, Allow …).
	Headers []Header
	// SDP answers an offer; it returns the body and its Content-Type.
	SDP func(offer []byte, local net.IP, port int) (body []byte, contentType string, err error)
}

// answerSDP is the profile's answer, or the generic one.
func (s *Server) answerSDP(offer []byte, local net.IP, port int) ([]byte, string, error) {
	if s.cfg.Answer.SDP != nil {
		return s.cfg.Answer.SDP(offer, local, port)
	}
	b, err := AnswerSDP(offer, local, port)
	return b, "application/sdp", err
}

// dialogContact is the Contact of the user answering req.
func (s *Server) dialogContact(req *sip.Request) string {
	if s.cfg.Answer.Contact != nil {
		return s.cfg.Answer.Contact(req.Recipient.User, req.Recipient.Host)
	}
	return s.contactValue()
}

// answerHeaders are the Contact and the profile's headers of the dialog's 180 and 200.
func (s *Server) answerHeaders(d *dialog) []Header {
	return append([]Header{{"Contact", d.contact}}, s.cfg.Answer.Headers...)
}
