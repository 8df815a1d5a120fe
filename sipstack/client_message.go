package sipstack

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Message is a SIP message in plain values, for showing and checking what crossed the wire.
type Message struct {
	StartLine string
	Method    string // requests
	Status    int    // responses
	Reason    string
	Headers   []Header // in wire order
	Body      string
	Text      string // the whole message as sent or received
}

// Header returns the first header of that name, compared case-insensitively.
func (m *Message) Header(name string) (string, bool) {
	for _, h := range m.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

// MessageOf copies a sipgo message into plain values.
func MessageOf(msg sip.Message) *Message {
	m := &Message{Text: msg.String(), Body: string(msg.Body())}
	var hs []sip.Header
	switch v := msg.(type) {
	case *sip.Request:
		m.StartLine, m.Method, hs = v.StartLine(), string(v.Method), v.Headers()
	case *sip.Response:
		m.StartLine, m.Status, m.Reason, hs = v.StartLine(), v.StatusCode, v.Reason, v.Headers()
	}
	for _, h := range hs {
		m.Headers = append(m.Headers, Header{Name: h.Name(), Value: h.Value()})
	}
	return m
}

// OfferSDP is the Edge's audio offer: PCMU, PCMA and telephone-event, as a Skype client offers to
// a SIP trunk. Nothing listens on the port; the peer only needs a well-formed offer.
func OfferSDP(ip string, port int) []byte {
	ver := "IP4"
	if a, err := netip.ParseAddr(ip); err == nil && a.Is6() && !a.Is4In6() {
		ver = "IP6"
	}
	sess := time.Now().Unix()
	return fmt.Appendf(nil, "v=0\r\n"+
		"o=- %d %d IN %s %s\r\n"+
		"s=session\r\n"+
		"c=IN %s %s\r\n"+
		"t=0 0\r\n"+
		"m=audio %d RTP/AVP 0 8 101\r\n"+
		"a=rtpmap:0 PCMU/8000\r\n"+
		"a=rtpmap:8 PCMA/8000\r\n"+
		"a=rtpmap:101 telephone-event/8000\r\n"+
		"a=fmtp:101 0-16\r\n"+
		"a=sendrecv\r\n", sess, sess, ver, ip, ver, ip, port)
}

func (c *PeerConn) buildInvite(inv Invite) (*sip.Request, error) {
	sdp := inv.SDP
	if sdp == nil {
		sdp = OfferSDP(c.LocalAddr().Addr().String(), 50100)
	}
	req, err := c.buildRequest(sip.INVITE, requestLine{From: inv.From, To: inv.To, CallID: inv.CallID, CSeq: inv.CSeq,
		FromTag: inv.FromTag, FromParams: inv.FromParams, Via: inv.Via, RecordRoute: inv.RecordRoute, Contact: inv.Contact,
		Headers: inv.Headers})
	if err != nil {
		return nil, err
	}
	ct := inv.ContentType
	if ct == "" {
		ct = "application/sdp"
	}
	req.AppendHeader(sip.NewHeader("Content-Type", ct))
	req.SetBody(sdp)
	return req, nil
}

// requestLine is what starts a dialog: the parties, the ids and the Edge's own headers.
type requestLine struct {
	From, To, CallID string
	CSeq             uint32
	FromTag          string
	FromParams       [][2]string
	Via, RecordRoute string
	Contact          string
	Headers          []Header
}

// buildRequest writes the headers of a dialog-starting request in the order a Lync client does,
// bound to this connection: sipgo must neither resolve the callee's host nor dial anew.
func (c *PeerConn) buildRequest(method sip.RequestMethod, l requestLine) (*sip.Request, error) {
	to, toName, err := parseAddress(l.To)
	if err != nil {
		return nil, fmt.Errorf("sipstack: to %q: %w", l.To, err)
	}
	from, fromName, err := parseAddress(l.From)
	if err != nil {
		return nil, fmt.Errorf("sipstack: from %q: %w", l.From, err)
	}
	callID := l.CallID
	if callID == "" {
		callID = strings.ToLower(newTag())
	}
	seq := l.CSeq
	if seq == 0 {
		seq = 1
	}
	req := sip.NewRequest(method, *to.Clone())
	if l.Via != "" {
		via, err := edgeVia(l.Via)
		if err != nil {
			return nil, err
		}
		req.AppendHeader(via)
		mf := sip.MaxForwardsHeader(70)
		req.AppendHeader(&mf)
	}
	tag := l.FromTag
	if tag == "" {
		tag = sip.GenerateTagN(16)
	}
	fromParams := sip.HeaderParams{{K: "tag", V: tag}}
	for _, p := range l.FromParams {
		fromParams = append(fromParams, sip.HeaderKV{K: p[0], V: p[1]})
	}
	cid := sip.CallIDHeader(callID)
	req.AppendHeader(&sip.FromHeader{DisplayName: fromName, Address: from, Params: fromParams})
	req.AppendHeader(&sip.ToHeader{DisplayName: toName, Address: to, Params: sip.NewParams()})
	req.AppendHeader(&cid)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: method})
	if l.RecordRoute != "" {
		req.AppendHeader(sip.NewHeader("Record-Route", l.RecordRoute))
	}
	if l.Contact != "" {
		req.AppendHeader(sip.NewHeader("Contact", l.Contact))
	}
	if len(l.Headers) == 0 {
		req.AppendHeader(sip.NewHeader("User-Agent", c.cfg.userAgent()))
	}
	for _, h := range l.Headers {
		req.AppendHeader(sip.NewHeader(h.Name, h.Value))
	}
	req.SetTransport("TLS")
	req.SetDestination(c.addr.String())
	return req, nil
}

// edgeVia is the Edge's own Via with its FQDN and listening port, so that answers and in-dialog
// requests that lose the connection know where the Edge listens (RFC 3261 §18.2.2).
func edgeVia(sentBy string) (*sip.ViaHeader, error) {
	host, port, err := net.SplitHostPort(sentBy)
	if err != nil {
		return nil, fmt.Errorf("sipstack: via %q: %w", sentBy, err)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n <= 0 || n > 65535 {
		return nil, fmt.Errorf("sipstack: via %q: bad port", sentBy)
	}
	return &sip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: "TLS", Host: host, Port: n,
		Params: sip.HeaderParams{{K: "branch", V: sip.GenerateBranch()}}}, nil
}

// parseAddress reads sip:user@host, <sip:user@host> or "Name" <sip:user@host>.
func parseAddress(s string) (sip.Uri, string, error) {
	var u sip.Uri
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "<") {
		s = "<" + s + ">"
	}
	params := sip.NewParams()
	name, err := sip.ParseAddressValue(s, &u, &params)
	if err != nil {
		return u, "", err
	}
	if u.Host == "" {
		return u, "", errors.New("no host")
	}
	return u, name, nil
}
