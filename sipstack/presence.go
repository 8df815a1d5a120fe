package sipstack

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

func (s *Server) acceptMessage(req *sip.Request, tx sip.ServerTransaction, ec *edgeConn) {
	s.reply(req, tx, ec.cid, 200, "OK", nil)
}

func (s *Server) acceptOptions(req *sip.Request, tx sip.ServerTransaction, ec *edgeConn) {
	s.reply(req, tx, ec.cid, 200, "OK", []Header{
		{"Allow", allowed},
		{"Accept", "application/sdp, text/plain, application/pidf+xml, message/sipfrag"},
		{"Supported", "timer, replaces, ms-sender, ms-early-media"},
		{"Contact", s.contactValue()},
	})
}

// acceptSubscribe accepts a presence subscription and sends the first NOTIFY with a PIDF body
// over the connection the SUBSCRIBE came in on.
func (s *Server) acceptSubscribe(req *sip.Request, tx sip.ServerTransaction, ec *edgeConn) {
	event := "presence"
	if h := req.GetHeader("Event"); h != nil {
		event = strings.TrimSpace(strings.SplitN(h.Value(), ";", 2)[0])
	}
	if event != "presence" {
		s.reply(req, tx, ec.cid, 489, "Bad Event", []Header{{"Allow-Events", "presence"}})
		return
	}
	expires := 3600
	if h := req.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil && n >= 0 && n < expires {
			expires = n
		}
	}
	tag := ""
	if to := req.To(); to != nil {
		tag, _ = to.Params.Get("tag")
	}
	if tag == "" {
		tag = newTag()
	}
	res := s.newResponse(req, ec.cid, 200, "OK", tag, []Header{{"Expires", strconv.Itoa(expires)}, {"Contact", s.contactValue()}}, nil, "")
	if err := tx.Respond(res); err != nil {
		return
	}
	s.notify(req, tag, expires)
}

func (s *Server) notify(sub *sip.Request, localTag string, expires int) {
	target := sub.From().Address
	if c := sub.Contact(); c != nil {
		target = c.Address
	}
	entity := "sip:" + sub.Recipient.User + "@" + sub.Recipient.Host
	state := "active;expires=" + strconv.Itoa(expires)
	if expires == 0 {
		state = "terminated;reason=timeout"
	}
	n := sip.NewRequest(sip.NOTIFY, *target.Clone())
	n.AppendHeader(&sip.FromHeader{Address: *sub.To().Address.Clone(), Params: sip.HeaderParams{{K: "tag", V: localTag}}})
	n.AppendHeader(&sip.ToHeader{DisplayName: sub.From().DisplayName, Address: *sub.From().Address.Clone(), Params: sub.From().Params.Clone()})
	n.AppendHeader(sip.HeaderClone(sub.CallID()))
	n.AppendHeader(&sip.CSeqHeader{SeqNo: 1, MethodName: sip.NOTIFY})
	n.AppendHeader(sip.NewHeader("Event", "presence"))
	n.AppendHeader(sip.NewHeader("Subscription-State", state))
	n.AppendHeader(sip.NewHeader("Contact", s.contactValue()))
	n.AppendHeader(sip.NewHeader("Content-Type", "application/pidf+xml"))
	n.SetBody([]byte(pidf(entity)))
	n.SetTransport("TLS")
	n.SetDestination(sub.Source())
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.AckTimeout)
	defer cancel()
	if res, err := s.cli.Do(ctx, n); err != nil {
		s.log.Info().Err(err).Str("peer", sub.Source()).Msg("NOTIFY got no answer")
	} else {
		s.log.Debug().Int("status", res.StatusCode).Str("peer", sub.Source()).Msg("NOTIFY answered")
	}
}

// pidf is an RFC 3863 presence document: the Skype user is online.
func pidf(entity string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+"\r\n"+
		`<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="%s">`+"\r\n"+
		`<tuple id="edgesim"><status><basic>open</basic></status><note>Available</note></tuple>`+"\r\n"+
		`</presence>`+"\r\n", entity)
}
