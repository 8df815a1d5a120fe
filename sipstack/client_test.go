package sipstack_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/scenarios/standin"
	"github.com/edgesim/edgesim/sipstack"
)

// clientPKI issues the Edge's certificate and peers' certificates from a lab CA in t.TempDir().
type clientPKI struct {
	t     testing.TB
	ca    *certs.CA
	roots *x509.CertPool
	edge  tls.Certificate
}

func newClientPKI(t testing.TB) *clientPKI {
	t.Helper()
	ca, _, err := certs.EnsureCA(t.TempDir(), certs.IssuerLab, certs.CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := &clientPKI{t: t, ca: ca, roots: x509.NewCertPool()}
	p.roots.AddCert(ca.Cert)
	p.edge = p.cert("sip.skype.lab")
	return p
}

func (p *clientPKI) cert(cn string) tls.Certificate {
	p.t.Helper()
	l, err := p.ca.Issue(certs.LeafRequest{CommonName: cn})
	if err != nil {
		p.t.Fatal(err)
	}
	return l.TLSCertificate()
}

// clientConfig holds the server to fqdn with the certs package's rule, as the Edge does.
func (p *clientPKI) clientConfig(fqdn string) sipstack.ClientConfig {
	return sipstack.ClientConfig{
		Certificate: p.edge,
		ContactHost: "sip.skype.lab",
		Logger:      zerolog.Nop(),
		Verify: func(cs tls.ConnectionState) error {
			res := certs.Check(certs.CheckInput{Chain: cs.PeerCertificates, FQDN: fqdn, Roots: p.roots, Usage: x509.ExtKeyUsageServerAuth})
			if res.Fault != certs.FaultNone {
				return errors.New(res.Fault.String() + ": " + res.Detail)
			}
			return nil
		},
	}
}

func startPeer(t testing.TB, cfg standin.ServerConfig) *standin.Server {
	t.Helper()
	cfg.Logger = zerolog.Nop()
	p, err := standin.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func dialPeer(t testing.TB, p *clientPKI, addr netip.AddrPort, timeout time.Duration) (*sipstack.PeerConn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return sipstack.Dial(ctx, p.clientConfig("vcse.cms.steven.lab"), addr, "vcse.cms.steven.lab")
}

var testInvite = sipstack.Invite{From: "sip:stejanss@skype.lab", To: "sip:2000@cms.steven.lab", CallID: "call-1"}

func methods(rs []standin.Request) string {
	var m []string
	for _, r := range rs {
		m = append(m, r.Method)
	}
	return strings.Join(m, ",")
}

// A 200 carrying an unresolvable Record-Route: ACK and BYE must still reach the peer, over the
// connection whose certificate was checked, with the Edge's certificate presented.
func TestCallAnsweredWithRecordRoute(t *testing.T) {
	pki := newClientPKI(t)
	peer := startPeer(t, standin.ServerConfig{Certificate: pki.cert("vcse.cms.steven.lab"), RequireClientCert: true,
		RecordRoute: "<sip:rr.unresolvable.test;lr>", RingFor: 30 * time.Millisecond})
	conn, err := dialPeer(t, pki, peer.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	out, err := conn.Call(context.Background(), testInvite, sipstack.CallOptions{Hold: 50 * time.Millisecond,
		OnReceived: func(m *sipstack.Message) { got = append(got, m.StartLine) }})
	if err != nil {
		t.Fatal(err)
	}
	if out.Kind != sipstack.OutcomeAnswered || out.ByeStatus != 200 || out.EndedBy != "edge" || out.Err != nil {
		t.Fatalf("outcome %+v", out)
	}
	if _, ok := peer.WaitRequest("BYE", 2*time.Second); !ok {
		t.Fatalf("peer got %s, want a BYE", methods(peer.Requests()))
	}
	if m := methods(peer.Requests()); m != "INVITE,ACK,BYE" {
		t.Errorf("peer got %s", m)
	}
	inv := peer.Requests()[0]
	if inv.ClientCert != "sip.skype.lab" {
		t.Errorf("client certificate %q, want sip.skype.lab", inv.ClientCert)
	}
	if ua, _ := inv.Message.Header("User-Agent"); ua != "RTCC/6.0.0.0" {
		t.Errorf("User-Agent %q", ua)
	}
	if via, _ := inv.Message.Header("Via"); !strings.Contains(via, "SIP/2.0/TLS sip.skype.lab:") {
		t.Errorf("Via %q does not name the Edge", via)
	}
	if !strings.Contains(inv.Message.Body, "telephone-event/8000") {
		t.Errorf("offer %q", inv.Message.Body)
	}
	if strings.Join(got, ",") != "SIP/2.0 180 Ringing,SIP/2.0 200 OK" {
		t.Errorf("responses seen %q", got)
	}
}

func TestCallPeerHangsUp(t *testing.T) {
	pki := newClientPKI(t)
	peer := startPeer(t, standin.ServerConfig{Certificate: pki.cert("vcse.cms.steven.lab"), ByeAfter: 50 * time.Millisecond})
	conn, err := dialPeer(t, pki, peer.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// Held for 10s, the call can end by "peer" only through the peer's BYE; a lost BYE would have
	// the Edge hang up at the end of the hold instead, EndedBy "edge".
	out, err := conn.Call(context.Background(), testInvite, sipstack.CallOptions{Hold: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if out.Kind != sipstack.OutcomeAnswered || out.EndedBy != "peer" {
		t.Fatalf("outcome %+v", out)
	}
}

func TestCallRejected(t *testing.T) {
	pki := newClientPKI(t)
	peer := startPeer(t, standin.ServerConfig{Certificate: pki.cert("vcse.cms.steven.lab"), Behaviour: standin.Reject,
		Status: 403, Reason: "Forbidden", Diagnostics: `1002;reason="x";source="vcse"`})
	conn, err := dialPeer(t, pki, peer.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	out, err := conn.Call(context.Background(), testInvite, sipstack.CallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Kind != sipstack.OutcomeRejected || out.Final.Status != 403 {
		t.Fatalf("outcome %+v", out)
	}
	if d, _ := out.Final.Header("ms-diagnostics"); d != `1002;reason="x";source="vcse"` {
		t.Errorf("ms-diagnostics %q", d)
	}
	if _, ok := peer.WaitRequest("ACK", 2*time.Second); !ok {
		t.Errorf("the non-2xx was not ACKed: %s", methods(peer.Requests()))
	}
}

// boundCtx bounds a call whose own timer is under test: should the timer never fire, the call
// ends at this deadline instead, which endedByAnswerTimeout tells apart, rather than hanging.
func boundCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// endedByAnswerTimeout says whether the call ended because AnswerTimeout (of that length) ran out,
// not the context or the connection.
func endedByAnswerTimeout(out *sipstack.Outcome, timeout string) bool {
	return errors.Is(out.Err, sipstack.ErrAnswerTimeout) && strings.Contains(out.Err.Error(), "("+timeout+")")
}

func TestCallNoAnswerEndsInTime(t *testing.T) {
	pki := newClientPKI(t)
	peer := startPeer(t, standin.ServerConfig{Certificate: pki.cert("vcse.cms.steven.lab"), Behaviour: standin.Silent})
	conn, err := dialPeer(t, pki, peer.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	out, err := conn.Call(boundCtx(t), testInvite, sipstack.CallOptions{AnswerTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if out.Kind != sipstack.OutcomeNoAnswer || !endedByAnswerTimeout(out, "300ms") {
		t.Fatalf("outcome %+v, want no answer by the 300ms AnswerTimeout", out)
	}
	if m := methods(peer.Requests()); m != "INVITE" {
		t.Errorf("peer got %s", m)
	}
}

func TestCallGarbageAnswer(t *testing.T) {
	pki := newClientPKI(t)
	peer := startPeer(t, standin.ServerConfig{Certificate: pki.cert("vcse.cms.steven.lab"), Behaviour: standin.Garbage})
	conn, err := dialPeer(t, pki, peer.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// Garbage must drop the connection: waiting out the 5s AnswerTimeout would be sipstack.OutcomeNoAnswer.
	out, err := conn.Call(context.Background(), testInvite, sipstack.CallOptions{AnswerTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if out.Kind != sipstack.OutcomeConnLost {
		t.Fatalf("outcome %+v", out)
	}
}

func TestDialRefused(t *testing.T) {
	pki := newClientPKI(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().(*net.TCPAddr).AddrPort()
	_ = l.Close()
	_, err = dialPeer(t, pki, addr, 2*time.Second)
	var de *sipstack.DialError
	if !errors.As(err, &de) || de.Stage != sipstack.StageConnect || de.Cause != sipstack.CauseRefused {
		t.Fatalf("err %v, want a refused TCP connect", err)
	}
}

func TestDialTLSStalls(t *testing.T) {
	pki := newClientPKI(t)
	peer := startPeer(t, standin.ServerConfig{Certificate: pki.cert("vcse.cms.steven.lab"), Behaviour: standin.StallTLS})
	// The stalled peer never speaks until it is closed: only ctx's deadline can end the handshake,
	// so the deadline must have passed when sipstack.Dial returns. The channel bounds the wait should sipstack.Dial
	// ignore ctx, so that the test fails rather than hangs.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		_, err := sipstack.Dial(ctx, pki.clientConfig("vcse.cms.steven.lab"), peer.Addr(), "vcse.cms.steven.lab")
		errc <- err
	}()
	var err error
	select {
	case err = <-errc:
	case <-time.After(10 * time.Second):
		t.Fatal("Dial did not honour its context's deadline")
	}
	var de *sipstack.DialError
	if !errors.As(err, &de) || de.Stage != sipstack.StageTLS || de.Cause != sipstack.CauseTimeout {
		t.Fatalf("err %v, want a TLS timeout", err)
	}
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Errorf("Dial reported a timeout before its deadline: ctx %v", ctx.Err())
	}
}

func TestDialTLSReset(t *testing.T) {
	pki := newClientPKI(t)
	peer := startPeer(t, standin.ServerConfig{Certificate: pki.cert("vcse.cms.steven.lab"), Behaviour: standin.ResetTLS})
	_, err := dialPeer(t, pki, peer.Addr(), 2*time.Second)
	var de *sipstack.DialError
	if !errors.As(err, &de) || de.Stage != sipstack.StageTLS || de.Cause != sipstack.CauseReset {
		t.Fatalf("err %v, want a TLS reset", err)
	}
}

// InsecureSkipVerify is set only because VerifyConnection runs our rule: a wrong name must fail
// the handshake, the chain must come back for the diagnostic, and nothing may reach the peer.
func TestDialCertRejectedByOurCheck(t *testing.T) {
	pki := newClientPKI(t)
	peer := startPeer(t, standin.ServerConfig{Certificate: pki.cert("vcse.steven.lab")})
	_, err := dialPeer(t, pki, peer.Addr(), 2*time.Second)
	var rej *sipstack.CertRejectedError
	if !errors.As(err, &rej) {
		t.Fatalf("err %v, want *CertRejectedError", err)
	}
	if pc := rej.State.PeerCertificates; len(pc) == 0 || pc[0].Subject.CommonName != "vcse.steven.lab" {
		t.Errorf("chain not kept: %v", pc)
	}
	if !strings.Contains(err.Error(), "wrong-principal") {
		t.Errorf("err %v does not carry our reason", err)
	}
	// sipstack.Dial returned only after the handshake failed, and Close returns only once the peer's
	// connection goroutines and request handlers have ended: Requests is final.
	_ = peer.Close()
	if rs := peer.Requests(); len(rs) != 0 {
		t.Errorf("peer got %s", methods(rs))
	}
	cfg := pki.clientConfig("x")
	cfg.Verify = nil
	// The peer is closed, so any connection attempt would fail too: the error must be the refusal.
	if _, err := sipstack.Dial(context.Background(), cfg, peer.Addr(), "x"); err == nil || !strings.Contains(err.Error(), "Verify is required") {
		t.Errorf("Dial without Verify returned %v; it must refuse to run with verification off", err)
	}
}

// Ringing without an answer: the call ends at the timeout and the Edge withdraws the INVITE.
func TestCallRingingIsCancelled(t *testing.T) {
	pki := newClientPKI(t)
	peer := startPeer(t, standin.ServerConfig{Certificate: pki.cert("vcse.cms.steven.lab"), Behaviour: standin.Ring})
	conn, err := dialPeer(t, pki, peer.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var sent []string
	out, err := conn.Call(boundCtx(t), testInvite, sipstack.CallOptions{AnswerTimeout: 300 * time.Millisecond,
		OnSent: func(m *sipstack.Message) { sent = append(sent, m.Method) }})
	if err != nil {
		t.Fatal(err)
	}
	if out.Kind != sipstack.OutcomeNoAnswer || !endedByAnswerTimeout(out, "300ms") {
		t.Fatalf("outcome %+v, want no answer by the 300ms AnswerTimeout", out)
	}
	if strings.Join(sent, ",") != "INVITE,CANCEL" {
		t.Errorf("sent %v", sent)
	}
}
