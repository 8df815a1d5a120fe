package edge

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/labdns"
	"github.com/edgesim/edgesim/scenarios/standin"
)

// testLog forwards log lines to t.Log until the test ends; sipgo goroutines can still log after
// that, and t.Log then panics.
type testLog struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func newTestLog(t testing.TB) *testLog {
	l := &testLog{t: t}
	t.Cleanup(func() { l.mu.Lock(); l.done = true; l.mu.Unlock() }) // registered first, so it runs last
	return l
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// testEdge is a running Edge on 127.0.0.1:0 whose resolver asks a real lab DNS server over UDP.
type testEdge struct {
	t       testing.TB
	lab     *Lab
	svc     *Service
	edgeLog *LogBuffer
	logs    *LogBuffer // the process log, as JSON lines
	addr    string
}

type edgeOption func(*config.Config)

func withZones(z map[string]string) edgeOption { return func(c *config.Config) { c.DNS.Zones = z } }

func startEdge(t testing.TB, opts ...edgeOption) *testEdge {
	t.Helper()
	logs := &LogBuffer{}
	e := startEdgeLogging(t, zerolog.New(zerolog.MultiLevelWriter(newTestLog(t), logs)).Level(zerolog.InfoLevel), opts...)
	e.logs = logs
	return e
}

func startEdgeLogging(t testing.TB, log zerolog.Logger, opts ...edgeOption) *testEdge {
	t.Helper()
	return startEdgeWith(t, log, ServiceOptions{}, opts...)
}

// startEdgeWith is startEdgeLogging with service options; the Edge log always goes to a buffer.
func startEdgeWith(t testing.TB, log zerolog.Logger, so ServiceOptions, opts ...edgeOption) *testEdge {
	t.Helper()
	cfg := config.Default()
	cfg.Lab.Dir = t.TempDir()
	cfg.Edge.Listen = "127.0.0.1:0"
	cfg.Edge.HandshakeTimeout = 2 * time.Second
	cfg.DNS.Listen = ""
	cfg.DNS.Timeout = 500 * time.Millisecond
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.DNS.Resolver == "embedded" {
		zones := cfg.DNS.Zones
		if len(zones) == 0 {
			zones = labdns.DefaultZones()
		}
		zs, err := labdns.ParseZones(zones)
		if err != nil {
			t.Fatal(err)
		}
		dns := labdns.NewServer(zs, zerolog.Nop())
		if err := dns.Start("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = dns.Close() })
		cfg.DNS.Resolver = dns.Addr()
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	lab, err := OpenLab(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &testEdge{t: t, lab: lab, edgeLog: &LogBuffer{}}
	so.EdgeLog = e.edgeLog
	e.svc, err = NewService(lab, log, so)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = e.svc.Close(ctx)
	})
	e.addr = e.svc.SIPAddr().String()
	return e
}

func (e *testEdge) issue(iss certs.Issuer, req certs.LeafRequest) *tls.Certificate {
	return e.issueVia(iss, certs.ViaRoot, req)
}

// issueVia issues through the lab intermediate or a SHA-1 one (certs.SigningCA).
func (e *testEdge) issueVia(iss certs.Issuer, via certs.Via, req certs.LeafRequest) *tls.Certificate {
	e.t.Helper()
	ca, err := certs.SigningCA(e.lab.Config.Lab.Dir, iss, via)
	if err != nil {
		e.t.Fatal(err)
	}
	leaf, err := ca.Issue(req)
	if err != nil {
		e.t.Fatal(err)
	}
	c := leaf.TLSCertificate()
	return &c
}

// peer is an Expressway-E stand-in presenting cert (nil: none) and trusting the lab CA for the Edge.
func (e *testEdge) peer(cert *tls.Certificate) *standin.Client {
	e.t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(e.lab.CA.Cert)
	p, err := standin.NewClient(standin.ClientConfig{Certificate: cert, EdgeRoots: roots,
		EdgeFQDN: e.lab.Config.Edge.FQDN, Logger: zerolog.New(newTestLog(e.t)).Level(zerolog.WarnLevel)})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = p.Close() })
	return p
}

func (e *testEdge) request(p *standin.Client, method sip.RequestMethod, from, to string) *sip.Request {
	e.t.Helper()
	req, err := p.NewRequest(method, from, to, e.addr)
	if err != nil {
		e.t.Fatal(err)
	}
	return req
}

// call places an INVITE and hangs up at once when answered.
func (e *testEdge) call(p *standin.Client, from, to string) *standin.ClientCall {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := p.Call(ctx, e.request(p, sip.INVITE, from, to), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

func diagnostic(r *sip.Response) string {
	if h := r.GetHeader("ms-diagnostics"); h != nil {
		return h.Value()
	}
	return ""
}

func zone(lines ...string) string { return strings.Join(lines, "\n") + "\n" }
