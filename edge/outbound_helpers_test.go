package edge

import (
	"context"
	"crypto/tls"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/scenarios/standin"
)

// outLab is a lab directory in t.TempDir() whose CAs issue the peers' certificates before the zones
// (which need the peers' ports) are known; openLab then builds the Edge over the same directory.
type outLab struct {
	t   testing.TB
	dir string
	log LogBuffer
}

func newOutLab(t testing.TB) *outLab {
	t.Helper()
	return &outLab{t: t, dir: t.TempDir()}
}

func (l *outLab) cert(iss certs.Issuer, req certs.LeafRequest) tls.Certificate {
	return l.certVia(iss, certs.ViaRoot, req)
}

// certVia issues through the lab intermediate or a SHA-1 one.
func (l *outLab) certVia(iss certs.Issuer, via certs.Via, req certs.LeafRequest) tls.Certificate {
	l.t.Helper()
	ca, err := certs.SigningCA(l.dir, iss, via)
	if err != nil {
		l.t.Fatal(err)
	}
	leaf, err := ca.Issue(req)
	if err != nil {
		l.t.Fatal(err)
	}
	return leaf.TLSCertificate()
}

func (l *outLab) peer(cfg standin.ServerConfig) *standin.Server {
	l.t.Helper()
	cfg.Logger = zerolog.Nop()
	p, err := standin.Start(cfg)
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { _ = p.Close() })
	return p
}

// open builds the Edge over the lab with these zones; mutate adjusts the configuration first.
func (l *outLab) open(zones map[string]string, mutate ...func(*config.Config)) *Outbound {
	l.t.Helper()
	cfg := config.Default()
	cfg.Lab.Dir = l.dir
	cfg.DNS.Zones = zones
	for _, m := range mutate {
		m(&cfg)
	}
	lab, err := OpenLab(cfg)
	if err != nil {
		l.t.Fatal(err)
	}
	clock := time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC)
	w := NewLogWriter(&l.log, LogWriterOptions{Machine: "sfvedge", PID: 0x0584, TID: func() uint16 { return 0x0A44 },
		Now: func() time.Time { return clock }, Correlation: func() uint32 { return 156659184 }})
	return &Outbound{Lab: lab, EdgeLog: w, Rand: rand.NewChaCha8([32]byte{1}), Logger: zerolog.Nop()}
}

// cmsZone is cms.steven.lab with the federation SRV record pointing at target:port and vcse.* names on loopback.
func cmsZone(target string, port uint16) map[string]string {
	return map[string]string{"cms.steven.lab": "_sipfederationtls._tcp IN SRV 0 0 " + strconv.Itoa(int(port)) + " " + target + ".\n" +
		"vcse IN A 127.0.0.1\nvcse.sub IN A 127.0.0.1\n"}
}

func placeCall(o *Outbound, to string, timeout time.Duration) CallResult {
	return o.Call(context.Background(), CallRequest{From: "sip:stejanss@skype.lab", To: to, Timeout: timeout,
		Duration: 50 * time.Millisecond, CallID: "e144704c-1dd0-4ea7-929f-77e7e071c24c"}, nil)
}

func diagOf(r CallResult) string { return "ms-diagnostics: " + r.Diagnostic }

func stepKinds(steps []Step) string {
	var b strings.Builder
	for _, s := range steps {
		mark := "+"
		if !s.OK {
			mark = "-"
		}
		b.WriteString(mark + string(s.Kind) + " ")
	}
	return b.String()
}
