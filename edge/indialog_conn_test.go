package edge

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
)

// handFarEnd is a far end driven by hand: a mutual TLS listener on 127.0.0.1 presenting a lab
// certificate, each accepted connection a rawPeer for the test to read and write.
type handFarEnd struct {
	t        *testing.T
	ln       net.Listener
	port     uint16
	conns    chan *rawPeer
	accepted atomic.Int32
}

// listenFarEnd binds the port first: the Edge's zones need it before its lab can issue the
// certificate that serve then presents.
func listenFarEnd(t *testing.T) *handFarEnd {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return &handFarEnd{t: t, ln: ln, port: ln.Addr().(*net.TCPAddr).AddrPort().Port(), conns: make(chan *rawPeer, 4)}
}

func (f *handFarEnd) serve(cert *tls.Certificate) {
	conf := &tls.Config{Certificates: []tls.Certificate{*cert}, ClientAuth: tls.RequireAnyClientCert, MaxVersion: tls.VersionTLS12}
	go func() {
		for {
			c, err := f.ln.Accept()
			if err != nil {
				return
			}
			f.accepted.Add(1)
			tc := tls.Server(c, conf)
			f.t.Cleanup(func() { _ = tc.Close() })
			f.conns <- &rawPeer{t: f.t, c: tc, br: bufio.NewReader(tc)}
		}
	}()
}

func (f *handFarEnd) next(d time.Duration) *rawPeer {
	f.t.Helper()
	select {
	case p := <-f.conns:
		return p
	case <-time.After(d):
		f.t.Fatal("the Edge opened no connection to the far end")
		return nil
	}
}

// request reads until a request with this method arrives within d.
func (p *rawPeer) request(method string, d time.Duration) *sip.Request {
	p.t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); {
		m := p.read(time.Until(deadline))
		if m == nil {
			break
		}
		if r, ok := m.(*sip.Request); ok && string(r.Method) == method {
			return r
		}
	}
	p.t.Fatalf("no %s within %s", method, d)
	return nil
}

// answer writes a response to req with the far end's To tag and extra header lines.
func (p *rawPeer) answer(req *sip.Request, status int, reason, toTag string, extra ...string) {
	p.t.Helper()
	res := sip.NewResponseFromRequest(req, status, reason, nil)
	if toTag != "" {
		if to := res.To(); to != nil && !to.Params.Has("tag") {
			to.Params.Add("tag", toTag)
		}
	}
	for _, h := range extra {
		name, value, _ := strings.Cut(h, ": ")
		res.AppendHeader(sip.NewHeader(name, value))
	}
	p.send(res.String())
}

func (e *testEdge) placeCall(to string, hold time.Duration) <-chan CallResult {
	out := make(chan CallResult, 1)
	go func() {
		out <- e.svc.Outbound().Call(context.Background(), CallRequest{From: "sip:stejanss@skype.lab", To: to,
			Timeout: 5 * time.Second, Duration: hold}, nil)
	}()
	return out
}

func waitResult(t *testing.T, c <-chan CallResult, d time.Duration) CallResult {
	t.Helper()
	select {
	case r := <-c:
		return r
	case <-time.After(d):
		t.Fatalf("the call did not end within %s", d)
		return CallResult{}
	}
}

// Done when (issue 13): with the first connection closed after the 200, the far end's BYE reaches
// the Edge on a new connection to its listener and is answered 200; the call the Edge placed ends.
func TestFarEndByeOnANewConnectionEndsTheEdgesCall(t *testing.T) {
	far := listenFarEnd(t)
	e := startEdge(t, withZones(cmsZone("vcse.cms.steven.lab", far.port)))
	cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab"})
	far.serve(cert)
	result := e.placeCall("sip:2000@cms.steven.lab", time.Minute)

	first := far.next(5 * time.Second)
	inv := first.request("INVITE", 5*time.Second)
	first.answer(inv, 200, "OK", "far1", fmt.Sprintf("Contact: <sip:2000@vcse.cms.steven.lab:%d;transport=tls>", far.port))
	first.request("ACK", 5*time.Second)
	_ = first.c.Close()

	again := e.rawPeer(t, cert)
	fromTag, _ := inv.From().Params.Get("tag")
	inDialog := func(method string, seq int) string {
		return fmt.Sprintf("%s %s SIP/2.0\r\nVia: SIP/2.0/TLS vcse.cms.steven.lab:%d;branch=z9hG4bKfar%s\r\n"+
			"From: %s;tag=far1\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\nMax-Forwards: 70\r\n"+
			"Contact: <sip:2000@vcse.cms.steven.lab:%d;transport=tls>\r\nContent-Length: 0\r\n\r\n",
			method, inv.Contact().Address.String(), far.port, strings.ToLower(method), inv.To().Value(),
			inv.From().Value(), inv.CallID().Value(), seq, method, far.port)
	}
	again.send(inDialog("INFO", 2))
	if res := again.response(200, "2 INFO", 5*time.Second); res == nil || res.StatusCode != 200 {
		t.Fatalf("the far end's INFO on a new connection: %v, want 200", res)
	}
	again.send(inDialog("INVITE", 3)) // a session refresh with no offer: the Edge offers its session again
	res := again.response(200, "3 INVITE", 5*time.Second)
	if res == nil || res.StatusCode != 200 || string(res.Body()) != string(inv.Body()) || res.Contact() == nil {
		t.Fatalf("the far end's re-INVITE on a new connection: %v, want 200 with the Edge's Contact and SDP", res)
	}
	again.send(fmt.Sprintf("BYE %s SIP/2.0\r\nVia: SIP/2.0/TLS vcse.cms.steven.lab:%d;branch=z9hG4bKfarbye\r\n"+
		"From: %s;tag=far1\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: 4 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		inv.Contact().Address.String(), far.port, inv.To().Value(), inv.From().Value(), inv.CallID().Value()))
	if res := again.response(200, "4 BYE", 5*time.Second); res == nil || res.StatusCode != 200 {
		t.Fatalf("the far end's BYE on a new connection: %v, want 200 (From tag %s)", res, fromTag)
	}
	r := waitResult(t, result, 5*time.Second)
	if !r.Answered || r.EndedBy != "peer" {
		t.Errorf("answered %v, ended by %q (%s), want answered and ended by the peer", r.Answered, r.EndedBy, r.Error)
	}
}

// A BYE for the Edge's call from a peer with another certificate, on a new connection, is refused.
func TestByeForTheEdgesCallFromAnotherPeerIsRefused(t *testing.T) {
	far := listenFarEnd(t)
	e := startEdge(t, withZones(cmsZone("vcse.cms.steven.lab", far.port)))
	cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab"})
	far.serve(cert)
	result := e.placeCall("sip:2000@cms.steven.lab", 500*time.Millisecond)
	first := far.next(5 * time.Second)
	inv := first.request("INVITE", 5*time.Second)
	first.answer(inv, 200, "OK", "far2", fmt.Sprintf("Contact: <sip:2000@vcse.cms.steven.lab:%d;transport=tls>", far.port))
	first.request("ACK", 5*time.Second)

	other := e.rawPeer(t, e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}))
	other.send(fmt.Sprintf("BYE %s SIP/2.0\r\nVia: SIP/2.0/TLS vcse.acano.steven.lab:5061;branch=z9hG4bKhijack\r\n"+
		"From: %s;tag=far2\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: 1 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		inv.Contact().Address.String(), inv.To().Value(), inv.From().Value(), inv.CallID().Value()))
	if res := other.response(200, "1 BYE", 5*time.Second); res == nil || res.StatusCode != 403 {
		t.Fatalf("another peer's BYE for the Edge's call: %v, want 403", res)
	}
	bye := first.request("BYE", 5*time.Second) // the call goes on until the Edge hangs up
	first.answer(bye, 200, "OK", "")
	if r := waitResult(t, result, 5*time.Second); r.EndedBy != "edge" {
		t.Errorf("ended by %q, want the Edge", r.EndedBy)
	}
}

// Done when (issue 13): the Edge's own BYE after the far end's connection is gone opens a new
// connection to the route's host and port (a real TLS listener there receives it), not to the
// address the INVITE went to.
func TestEdgesByeAfterTheConnectionIsGoneFollowsTheRoute(t *testing.T) {
	far, hop := listenFarEnd(t), listenFarEnd(t)
	e := startEdge(t, withZones(cmsZone("vcse.cms.steven.lab", far.port)))
	cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab"})
	far.serve(cert)
	hop.serve(cert)
	result := e.placeCall("sip:2000@cms.steven.lab", 300*time.Millisecond)

	first := far.next(5 * time.Second)
	inv := first.request("INVITE", 5*time.Second)
	route := fmt.Sprintf("<sip:vcse.cms.steven.lab:%d;transport=tls;lr>", hop.port)
	first.answer(inv, 200, "OK", "far3", "Record-Route: "+route, fmt.Sprintf("Contact: <sip:2000@vcse.cms.steven.lab:%d;transport=tls>", far.port))
	first.request("ACK", 5*time.Second)
	_ = first.c.Close()

	second := hop.next(5 * time.Second)
	bye := second.request("BYE", 5*time.Second)
	second.answer(bye, 200, "OK", "")
	if got := bye.GetHeader("Route"); got == nil || got.Value() != route {
		t.Errorf("BYE Route %v, want %s", got, route)
	}
	r := waitResult(t, result, 5*time.Second)
	if !r.Answered || r.EndedBy != "edge" || r.Error != "" {
		t.Errorf("answered %v, ended by %q, error %q; want answered, hung up by the Edge cleanly", r.Answered, r.EndedBy, r.Error)
	}
	if n := far.accepted.Load(); n != 1 {
		t.Errorf("the INVITE's address took %d connections, want 1: the BYE must follow the route", n)
	}
}

// With no route that answers, the Edge's BYE fails within its bound and says why.
func TestEdgesByeToAGoneRouteFailsBounded(t *testing.T) {
	far := listenFarEnd(t)
	e := startEdge(t, withZones(cmsZone("vcse.cms.steven.lab", far.port)))
	cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab"})
	far.serve(cert)
	result := e.placeCall("sip:2000@cms.steven.lab", 200*time.Millisecond)
	first := far.next(5 * time.Second)
	inv := first.request("INVITE", 5*time.Second)
	first.answer(inv, 200, "OK", "far4", "Record-Route: <sip:gone.cms.steven.lab:5061;transport=tls;lr>",
		fmt.Sprintf("Contact: <sip:2000@vcse.cms.steven.lab:%d;transport=tls>", far.port))
	first.request("ACK", 5*time.Second)
	_ = first.c.Close()
	r := waitResult(t, result, 10*time.Second)
	if r.EndedBy != "edge" || !strings.Contains(r.Error, "gone.cms.steven.lab:5061") {
		t.Errorf("ended by %q, error %q; want the Edge's BYE to name the unreachable hop", r.EndedBy, r.Error)
	}
}

// An answered inbound call whose peer's connection is gone: the Edge's BYE (here after
// edge.dialog_conn_grace) goes on a new connection to the peer's Contact, never to the ephemeral
// port the INVITE came from.
func TestEdgesByeOnAnInboundCallOpensAConnectionToTheContact(t *testing.T) {
	hop := listenFarEnd(t)
	e := startEdge(t, withZones(acanoCorrect), func(c *config.Config) { c.Edge.DialogConnGrace = 200 * time.Millisecond })
	cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	hop.serve(cert)
	p := e.rawPeer(t, cert)
	d := p.callFrom(&rawDialog{callID: "redial-1", fromTag: "rawredial-1",
		contact: fmt.Sprintf("sip:2000@vcse.acano.steven.lab:%d;transport=tls", hop.port)})
	p.settle(d)
	_ = p.c.Close()
	second := hop.next(5 * time.Second)
	bye := second.request("BYE", 5*time.Second)
	second.answer(bye, 200, "OK", "")
	if got := bye.CallID().Value(); got != d.callID {
		t.Errorf("BYE for %s, want %s", got, d.callID)
	}
	if v := bye.Via(); v == nil || v.Host != "sip.skype.lab" {
		t.Errorf("BYE Via %v, want the Edge's FQDN", v)
	}
	waitLog(t, e, "call ended by the Edge on a new connection", `"status":200`)
}
