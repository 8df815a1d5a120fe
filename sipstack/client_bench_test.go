package sipstack_test

import (
	"context"
	"github.com/edgesim/edgesim/scenarios/standin"
	"github.com/edgesim/edgesim/sipstack"
	"testing"
	"time"
)

// The client tests assert which event ended a call or a dial; how long that took is measured here.

// BenchmarkCallPeerHangsUp is a whole answered call that the peer ends with its BYE 1ms after the
// ACK, on a new connection each time: TCP, mutual TLS, INVITE, 180, 200, ACK, the peer's BYE.
func BenchmarkCallPeerHangsUp(b *testing.B) {
	pki := newClientPKI(b)
	peer := startPeer(b, standin.ServerConfig{Certificate: pki.cert("vcse.cms.steven.lab"), ByeAfter: time.Millisecond})
	for b.Loop() {
		conn, err := dialPeer(b, pki, peer.Addr(), 5*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		out, err := conn.Call(context.Background(), testInvite, sipstack.CallOptions{Hold: 10 * time.Second})
		if err != nil || out.Kind != sipstack.OutcomeAnswered || out.EndedBy != "peer" {
			b.Fatalf("outcome %+v err %v", out, err)
		}
	}
}

// BenchmarkCallGarbageAnswer is how long a garbage answer takes to end the call as a lost
// connection, against a 5s AnswerTimeout it must not wait out.
func BenchmarkCallGarbageAnswer(b *testing.B) {
	pki := newClientPKI(b)
	peer := startPeer(b, standin.ServerConfig{Certificate: pki.cert("vcse.cms.steven.lab"), Behaviour: standin.Garbage})
	for b.Loop() {
		b.StopTimer()
		conn, err := dialPeer(b, pki, peer.Addr(), 5*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		out, err := conn.Call(context.Background(), testInvite, sipstack.CallOptions{AnswerTimeout: 5 * time.Second})
		if err != nil || out.Kind != sipstack.OutcomeConnLost {
			b.Fatalf("outcome %+v err %v", out, err)
		}
	}
}

// BenchmarkCallNoAnswerOvershoot reports how far past a 50ms AnswerTimeout a silent peer's call
// returns (ns-past-timeout/op): the cost of ending the transaction once the timer fires.
func BenchmarkCallNoAnswerOvershoot(b *testing.B) {
	const timeout = 50 * time.Millisecond
	pki := newClientPKI(b)
	peer := startPeer(b, standin.ServerConfig{Certificate: pki.cert("vcse.cms.steven.lab"), Behaviour: standin.Silent})
	var past time.Duration
	for b.Loop() {
		b.StopTimer()
		conn, err := dialPeer(b, pki, peer.Addr(), 5*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		out, err := conn.Call(context.Background(), testInvite, sipstack.CallOptions{AnswerTimeout: timeout})
		past += time.Since(start) - timeout
		if err != nil || out.Kind != sipstack.OutcomeNoAnswer {
			b.Fatalf("outcome %+v err %v", out, err)
		}
	}
	b.ReportMetric(float64(past.Nanoseconds())/float64(b.N), "ns-past-timeout/op")
}

// BenchmarkDialTLSStallOvershoot reports how far past its context's 50ms deadline sipstack.Dial gives up on
// a peer that accepts TCP and never speaks TLS (ns-past-deadline/op).
func BenchmarkDialTLSStallOvershoot(b *testing.B) {
	const timeout = 50 * time.Millisecond
	pki := newClientPKI(b)
	peer := startPeer(b, standin.ServerConfig{Certificate: pki.cert("vcse.cms.steven.lab"), Behaviour: standin.StallTLS})
	var past time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := dialPeer(b, pki, peer.Addr(), timeout); err == nil {
			b.Fatal("the handshake completed against a stalled peer")
		}
		past += time.Since(start) - timeout
	}
	b.ReportMetric(float64(past.Nanoseconds())/float64(b.N), "ns-past-deadline/op")
}
