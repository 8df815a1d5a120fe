package edge

import (
	"net"
	"net/netip"
	"strconv"

	"github.com/edgesim/edgesim/edge/lync"
	"github.com/edgesim/edgesim/sipstack"
)

// callID is the client's Call-ID: 32 hex digits for the Lync profiles, a GUID for plain.
func (o *Outbound) callID(id lync.Identity) string {
	if o.Lab.Profile == lync.Plain {
		return newCallID(o.rand())
	}
	return id.CallID
}

// edgeHostPort is the Edge's FQDN with the port it listens on, where in-dialog requests must come
// back to whatever becomes of the connection that carried the INVITE (docs/edge-behaviour.md §7).
func (o *Outbound) edgeHostPort() string {
	port := 5061
	if o.ListenPort > 0 {
		return net.JoinHostPort(o.Lab.Config.Edge.FQDN, strconv.Itoa(o.ListenPort))
	}
	if _, p, err := net.SplitHostPort(o.Lab.Config.Edge.Listen); err == nil {
		if n, err := strconv.Atoi(p); err == nil && n > 0 {
			port = n
		}
	}
	return net.JoinHostPort(o.Lab.Config.Edge.FQDN, strconv.Itoa(port))
}

// RecordRoute is the Edge's Record-Route entry on the federation leg.
func (o *Outbound) RecordRoute() string { return "<sip:" + o.edgeHostPort() + ";transport=tls;lr>" }

// invite is the INVITE as the Skype user's client writes it and the Edge relays it: the profile's
// headers, GRUU Contact and SDP, the Edge's Via and Record-Route.
func (o *Outbound) invite(req CallRequest, callID string, id lync.Identity, local netip.Addr) sipstack.Invite {
	p := o.Lab.Profile
	user := lync.Party{URI: req.From}
	if u, err := ParseSIPURI(req.From); err == nil {
		user.URI = u.String()
	}
	media := lync.NewMedia(local, o.Lab.RTPLow+(o.Lab.RTPLow%2), o.rand())
	ct, body := p.Offer(media)
	if req.IM != "" {
		ct, body = "application/sdp", lync.IMOffer(media)
	}
	inv := sipstack.Invite{From: req.From, To: req.To, CallID: callID, CSeq: 1, SDP: body, ContentType: ct,
		FromTag: id.FromTag, FromParams: p.FromParams(id), Via: o.edgeHostPort(), RecordRoute: o.RecordRoute(),
		Contact: p.Contact(user, id, o.edgeHostPort())}
	for _, h := range p.InviteHeaders(user, id) {
		inv.Headers = append(inv.Headers, sipstack.Header{Name: h.Name, Value: h.Value})
	}
	return inv
}

// subscribe is the presence SUBSCRIBE of the Skype user's client, relayed with the Edge's Via.
func (o *Outbound) subscribe(req CallRequest, callID string, id lync.Identity) sipstack.Subscribe {
	p := o.Lab.Profile
	user := lync.Party{URI: req.From}
	if u, err := ParseSIPURI(req.From); err == nil {
		user.URI = u.String()
	}
	sub := sipstack.Subscribe{From: req.From, To: req.To, CallID: callID, FromTag: id.FromTag, Via: o.edgeHostPort(),
		Contact: p.Contact(user, id, o.edgeHostPort()), Expires: 0}
	for _, h := range p.SubscribeHeaders() {
		sub.Headers = append(sub.Headers, sipstack.Header{Name: h.Name, Value: h.Value})
	}
	return sub
}

// answerer is the Skype user behind the Edge answering a call under the lab's client profile: its
// GRUU Contact (a fresh endpoint id per dialog), its headers and its SDP. Plain keeps the generic answer.
func answerer(lab *Lab) sipstack.Answerer {
	p := lab.Profile
	if p == lync.Plain {
		return sipstack.Answerer{Headers: []sipstack.Header{{Name: "User-Agent", Value: p.UserAgent()}}}
	}
	a := sipstack.Answerer{
		Contact: func(user, host string) string {
			return p.Contact(lync.Party{URI: "sip:" + user + "@" + host}, lync.NewIdentity(nil), "")
		},
		SDP: func(offer []byte, local net.IP, port int) ([]byte, string, error) {
			addr, _ := netip.AddrFromSlice(local)
			b, err := p.Answer(sipstack.SDPOfBody(offer), lync.NewMedia(addr.Unmap(), port, nil))
			return b, "application/sdp", err
		},
	}
	for _, h := range p.AnswerHeaders() {
		a.Headers = append(a.Headers, sipstack.Header{Name: h.Name, Value: h.Value})
	}
	return a
}
