package standin

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/edgesim/edgesim/sipstack"
)

// onSubscribe answers a presence SUBSCRIBE as an Expressway-E relaying it to a UC endpoint would:
// 200, then at once a NOTIFY with a PIDF document over the connection it came on. Expires: 0 (a
// fetch) gets the NOTIFY that ends the subscription.
func (p *Server) onSubscribe(req *sip.Request, tx sip.ServerTransaction) {
	p.record(req)
	if ev := req.GetHeader("Event"); ev == nil || !strings.HasPrefix(strings.TrimSpace(ev.Value()), "presence") {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 489, "Bad Event", nil))
		return
	}
	expires := 0
	if h := req.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil && n > 0 {
			expires = min(n, 3600)
		}
	}
	tag := sip.GenerateTagN(16)
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	res.To().Params.Add("tag", tag)
	res.AppendHeader(sip.NewHeader("Expires", strconv.Itoa(expires)))
	res.AppendHeader(sip.NewHeader("Contact", "<sip:"+p.fqdn()+";transport=tls>"))
	if err := tx.Respond(res); err != nil {
		return
	}
	n := sip.NewRequest(sip.NOTIFY, *req.From().Address.Clone())
	if c := req.Contact(); c != nil {
		n.Recipient = *c.Address.Clone()
	}
	n.AppendHeader(&sip.FromHeader{Address: *req.To().Address.Clone(), Params: sip.HeaderParams{{K: "tag", V: tag}}})
	n.AppendHeader(&sip.ToHeader{DisplayName: req.From().DisplayName, Address: *req.From().Address.Clone(), Params: req.From().Params.Clone()})
	n.AppendHeader(sip.HeaderClone(req.CallID()))
	n.AppendHeader(&sip.CSeqHeader{SeqNo: 1, MethodName: sip.NOTIFY})
	n.AppendHeader(sip.NewHeader("Event", "presence"))
	state := "terminated;reason=timeout"
	if expires > 0 {
		state = "active;expires=" + strconv.Itoa(expires)
	}
	n.AppendHeader(sip.NewHeader("Subscription-State", state))
	n.AppendHeader(sip.NewHeader("Content-Type", "application/pidf+xml"))
	n.SetBody([]byte(presenceDocument("sip:" + req.Recipient.User + "@" + req.Recipient.Host)))
	n.SetTransport("TLS")
	n.SetDestination(req.Source())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = p.dua.Client.Do(ctx, n)
}

// onMessage takes an IM as a UC endpoint does: 200, nothing more.
func (p *Server) onMessage(req *sip.Request, tx sip.ServerTransaction) {
	p.record(req)
	_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
}

// presenceDocument is the PIDF a UC endpoint publishes when it is free.
func presenceDocument(entity string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+"\r\n"+
		`<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="%s">`+"\r\n"+
		`<tuple id="expressway"><status><basic>open</basic></status></tuple>`+"\r\n"+
		`</presence>`+"\r\n", entity)
}

// isMessageSession reports an INVITE for an IM session (m=message … sip null), as Lync sends.
func isMessageSession(body []byte) bool {
	return strings.Contains(string(sipstack.SDPOfBody(body)), "\nm=message ")
}

// messageSessionAnswer accepts an IM session for plain text.
var messageSessionAnswer = []byte("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=session\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
	"m=message 5060 sip null\r\na=accept-types:text/plain\r\n")
