package edge

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/scenarios/standin"
)

func methodsOf(rs []standin.Request) string {
	var m []string
	for _, r := range rs {
		m = append(m, r.Method)
	}
	return strings.Join(m, ",")
}

// Every rule passes: INVITE over mutual TLS, 200, ACK, the call held, BYE.
func TestOutboundAnswered(t *testing.T) {
	l := newOutLab(t)
	peer := l.peer(standin.ServerConfig{Certificate: l.cert(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab"}),
		RequireClientCert: true, RecordRoute: "<sip:rr.unresolvable.test;lr>"})
	o := l.open(cmsZone("vcse.cms.steven.lab", peer.Addr().Port()))
	r := placeCall(o, "sip:2000@cms.steven.lab", 5*time.Second)
	if !r.Answered || r.Status != 200 || r.Diagnostic != "" || r.EdgeLog != "" || r.Error != "" {
		t.Fatalf("result %+v", r)
	}
	if !strings.HasPrefix(r.SkypeView, "SIP/2.0 200 OK\r\n") || strings.Contains(r.SkypeView, "ms-diagnostics") {
		t.Errorf("Skype view\n%s", r.SkypeView)
	}
	if _, ok := peer.WaitRequest("BYE", 2*time.Second); !ok || methodsOf(peer.Requests()) != "INVITE,ACK,BYE" {
		t.Fatalf("peer got %s", methodsOf(peer.Requests()))
	}
	inv := peer.Requests()[0]
	if inv.ClientCert != "sip.skype.lab" || inv.CallID != r.CallID {
		t.Errorf("INVITE over a connection with client certificate %q, Call-ID %q", inv.ClientCert, inv.CallID)
	}
	if from, _ := inv.Message.Header("From"); !strings.Contains(from, "sip:stejanss@skype.lab") {
		t.Errorf("From %q", from)
	}
	if got := stepKinds(r.Steps); !strings.HasPrefix(got, "+federation +srv +in-domain +a/aaaa +tcp +tls +certificate +sent ") {
		t.Errorf("steps %s", got)
	}
}

// A failure answer without ms-diagnostics gets 1034 from the Edge; one with its own is passed on.
func TestOutboundPeerFailures(t *testing.T) {
	l := newOutLab(t)
	cert := l.cert(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab"})
	bare := l.peer(standin.ServerConfig{Certificate: cert, Behaviour: standin.Reject, Status: 486, Reason: "Busy Here"})
	own := `1002;reason="From URI not authorized to communicate with federated partners";source="vcse.cms.steven.lab"`
	annotated := l.peer(standin.ServerConfig{Certificate: cert, Behaviour: standin.Reject, Status: 403, Reason: "Forbidden", Diagnostics: own})

	r := placeCall(l.open(cmsZone("vcse.cms.steven.lab", bare.Addr().Port())), "sip:2000@cms.steven.lab", 5*time.Second)
	want := `ms-diagnostics: 1034;reason="Previous hop federated peer did not report diagnostic information";Domain="cms.steven.lab";PeerServer="vcse.cms.steven.lab";source="sip.skype.lab"`
	if got := diagOf(r); got != want || r.Status != 486 || !r.InviteSent || r.ResultCode != "0xc3e93d73" {
		t.Errorf("\n got %d %s\nwant 486 %s (result %s)", r.Status, got, want, r.ResultCode)
	}
	if !strings.HasPrefix(r.SkypeView, "SIP/2.0 486 Busy Here\r\n") {
		t.Errorf("view\n%s", r.SkypeView)
	}
	if _, ok := bare.WaitRequest("ACK", 2*time.Second); !ok {
		t.Errorf("the 486 was not ACKed: %s", methodsOf(bare.Requests()))
	}

	r = placeCall(l.open(cmsZone("vcse.cms.steven.lab", annotated.Addr().Port())), "sip:2000@cms.steven.lab", 5*time.Second)
	if r.Diagnostic != own || r.Status != 403 || r.EdgeLog != "" || r.DiagnosticCode != 1002 {
		t.Errorf("pass-through: %d %q log %q", r.Status, r.Diagnostic, r.EdgeLog)
	}
}

// A peer that never answers, and one that answers garbage: both end within the timeout, as 504
// with 1034 [choice], the Edge log saying what happened.
func TestOutboundPeerMisbehaves(t *testing.T) {
	l := newOutLab(t)
	cert := l.cert(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab"})
	for _, tc := range []struct {
		name string
		b    standin.Behaviour
		info string
	}{
		{"silent", standin.Silent, "no final answer in time"},
		{"garbage", standin.Garbage, "connection lost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peer := l.peer(standin.ServerConfig{Certificate: cert, Behaviour: tc.b})
			o := l.open(cmsZone("vcse.cms.steven.lab", peer.Addr().Port()))
			// The 1s call timeout, not the test's 10s bound, must end it: the Edge log's info says which.
			r := callWithin(t, o, "sip:2000@cms.steven.lab", time.Second, 10*time.Second)
			if r.Status != 504 || r.DiagnosticCode != 1034 || !r.InviteSent || !strings.Contains(r.EdgeLog, tc.info) {
				t.Errorf("status %d diag %s\nlog %s", r.Status, r.Diagnostic, r.EdgeLog)
			}
			if _, ok := peer.WaitRequest("INVITE", time.Second); !ok {
				t.Error("the INVITE did not arrive")
			}
		})
	}
}

// In-domain targets are tried in RFC 2782 order, and a target that refuses TCP is passed over.
func TestOutboundTargetFailover(t *testing.T) {
	l := newOutLab(t)
	peer := l.peer(standin.ServerConfig{Certificate: l.cert(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse2.cms.steven.lab"})})
	closed := closedPort(t)
	o := l.open(map[string]string{"cms.steven.lab": "_sipfederationtls._tcp IN SRV 10 0 " + portStr(peer.Addr().Port()) + " vcse2.cms.steven.lab.\n" +
		"_sipfederationtls._tcp IN SRV 0 0 " + portStr(closed) + " vcse1.cms.steven.lab.\n" +
		"vcse1 IN A 127.0.0.1\nvcse2 IN A 127.0.0.1\n"})
	r := placeCall(o, "sip:2000@cms.steven.lab", 5*time.Second)
	if !r.Answered || r.Target != "vcse2.cms.steven.lab:"+portStr(peer.Addr().Port()) {
		t.Fatalf("answered %v target %s diag %s steps %s", r.Answered, r.Target, r.Diagnostic, stepKinds(r.Steps))
	}
	if got := stepKinds(r.Steps); !strings.HasPrefix(got, "+federation +srv +in-domain +a/aaaa -tcp +a/aaaa +tcp +tls +certificate ") {
		t.Errorf("steps %s", got)
	}
}

// A Skype user's presence fetch across federation: the SUBSCRIBE carries Lync's Event, Accept and
// ms-benotify, and the far end's NOTIFY comes back with its PIDF document.
func TestOutboundSubscribe(t *testing.T) {
	l := newOutLab(t)
	peer := l.peer(standin.ServerConfig{Certificate: l.cert(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab"})})
	o := l.open(cmsZone("vcse.cms.steven.lab", peer.Addr().Port()))
	r := o.Subscribe(context.Background(), CallRequest{From: "sip:stejanss@skype.lab", To: "sip:2000@cms.steven.lab", Timeout: 5 * time.Second}, nil)
	if !r.Answered || r.Status != 200 || len(r.Notify) != 1 || !strings.Contains(r.Notify[0], "<basic>open</basic>") {
		t.Fatalf("answered %v status %d notify %q error %q", r.Answered, r.Status, r.Notify, r.Error)
	}
	sub, ok := peer.WaitRequest("SUBSCRIBE", time.Second)
	if !ok {
		t.Fatal("no SUBSCRIBE reached the far end")
	}
	for _, h := range []string{"Event", "Accept", "Supported", "Proxy-Require", "Expires"} {
		if _, ok := sub.Message.Header(h); !ok {
			t.Errorf("SUBSCRIBE lacks %s:\n%s", h, sub.Message.Text)
		}
	}
	if v, _ := sub.Message.Header("Proxy-Require"); v != "ms-benotify" {
		t.Errorf("Proxy-Require %q", v)
	}
}

// An IM session: an INVITE for a message session, the text as a MESSAGE in the dialog, then BYE.
func TestOutboundIM(t *testing.T) {
	l := newOutLab(t)
	peer := l.peer(standin.ServerConfig{Certificate: l.cert(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab"})})
	o := l.open(cmsZone("vcse.cms.steven.lab", peer.Addr().Port()))
	r := o.Call(context.Background(), CallRequest{From: "sip:stejanss@skype.lab", To: "sip:2000@cms.steven.lab", Timeout: 5 * time.Second,
		IM: "hello from Skype"}, nil)
	if !r.Answered || r.IMStatus != 200 {
		t.Fatalf("answered %v IM status %d error %q\n%+v", r.Answered, r.IMStatus, r.Error, r.Steps)
	}
	inv, _ := peer.WaitRequest("INVITE", time.Second)
	if !strings.Contains(inv.Message.Body, "m=message 5060 sip null") {
		t.Errorf("the INVITE offers no message session:\n%s", inv.Message.Body)
	}
	msg, ok := peer.WaitRequest("MESSAGE", time.Second)
	if !ok || msg.Message.Body != "hello from Skype" {
		t.Errorf("MESSAGE %+v", msg.Message)
	}
}
