package sipstack_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/edgesim/edgesim/scenarios/standin"
	"github.com/edgesim/edgesim/sipstack"
)

// recTap keeps everything a connection tap hears.
type recTap struct {
	mu         sync.Mutex
	opened     int
	inbound    bool
	wireIn     int
	wireOut    int
	plain      bytes.Buffer
	handshakes []error
	version    uint16
	closed     int
}

func (r *recTap) Open(local, remote netip.AddrPort, inbound bool, t time.Time) sipstack.ConnTap {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.opened++
	r.inbound = inbound
	return r
}

func (r *recTap) Wire(out bool, t time.Time, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if out {
		r.wireOut += len(b)
	} else {
		r.wireIn += len(b)
	}
}

func (r *recTap) Plain(out bool, t time.Time, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.plain.Write(b)
}

func (r *recTap) Handshake(cs tls.ConnectionState, took time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handshakes = append(r.handshakes, err)
	r.version = cs.Version
}

func (r *recTap) Closed(t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed++
}

type lineCounter struct{ n int }

func (l *lineCounter) Write(b []byte) (int, error) {
	l.n += bytes.Count(b, []byte("\n"))
	return len(b), nil
}

func TestDialTapHearsTheCall(t *testing.T) {
	pki := newClientPKI(t)
	peer := startPeer(t, standin.ServerConfig{Certificate: pki.cert("vcse.cms.steven.lab"), RequireClientCert: true})
	tap, keys := &recTap{}, &lineCounter{}
	cfg := pki.clientConfig("vcse.cms.steven.lab")
	cfg.Tap, cfg.KeyLog = tap, keys
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := sipstack.Dial(ctx, cfg, peer.Addr(), "vcse.cms.steven.lab")
	if err != nil {
		t.Fatal(err)
	}
	out, err := conn.Call(ctx, testInvite, sipstack.CallOptions{Hold: time.Millisecond})
	if err != nil || out.Kind != sipstack.OutcomeAnswered {
		t.Fatalf("call %+v %v", out, err)
	}
	tap.mu.Lock()
	defer tap.mu.Unlock()
	if tap.opened != 1 || tap.inbound || len(tap.handshakes) != 1 || tap.handshakes[0] != nil || tap.closed != 1 {
		t.Fatalf("tap saw opened=%d inbound=%v handshakes=%v closed=%d", tap.opened, tap.inbound, tap.handshakes, tap.closed)
	}
	if tap.wireIn == 0 || tap.wireOut == 0 {
		t.Fatal("no TLS bytes heard on the wire")
	}
	for _, want := range []string{"INVITE sip:2000@cms.steven.lab SIP/2.0", "SIP/2.0 200 OK", "ACK sip:", "BYE sip:"} {
		if !bytes.Contains(tap.plain.Bytes(), []byte(want)) {
			t.Errorf("plain text lacks %q", want)
		}
	}
	if keys.n == 0 {
		t.Error("no key log lines")
	}
}

func TestDialTapHearsARefusedHandshake(t *testing.T) {
	pki := newClientPKI(t)
	peer := startPeer(t, standin.ServerConfig{Certificate: pki.cert("wrong.example"), RequireClientCert: true})
	tap := &recTap{}
	cfg := pki.clientConfig("vcse.cms.steven.lab")
	cfg.Tap = tap
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := sipstack.Dial(ctx, cfg, peer.Addr(), "vcse.cms.steven.lab"); err == nil {
		t.Fatal("a misnamed server was accepted")
	}
	tap.mu.Lock()
	defer tap.mu.Unlock()
	if len(tap.handshakes) != 1 || tap.handshakes[0] == nil || tap.closed != 1 {
		t.Fatalf("handshakes %v closed %d", tap.handshakes, tap.closed)
	}
	if tap.wireOut == 0 {
		t.Fatal("the alert the Edge sent was not heard")
	}
}
