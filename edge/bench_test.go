package edge

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/labdns"
	"github.com/edgesim/edgesim/metrics"
	"github.com/edgesim/edgesim/scenarios/standin"
	"github.com/edgesim/edgesim/sipstack"
)

// BenchmarkDecideInbound is the Edge's whole decision for an accepted request with the SRV answer in
// the resolver's cache: lookup, in-domain rule, certificate name and trust.
func BenchmarkDecideInbound(b *testing.B) {
	p := newTestPKI(b)
	zs, err := labdns.ParseZones(acanoCorrect)
	if err != nil {
		b.Fatal(err)
	}
	res := labdns.NewEmbeddedResolver(zs, labdns.ResolverOptions{})
	pol := &policy.Policy{FQDN: "sip.skype.lab", Domains: []string{"skype.lab"}, Roots: p.LabRoots, PartnerDiscovery: true}
	req := policy.InboundFacts{RequestURIUser: "stejanss", RequestURIHost: "skype.lab", FromHost: "acano.steven.lab",
		PeerChain: p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}), Now: time.Now()}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		srv := LookupSRV(ctx, res, "acano.steven.lab")
		req.SRV = &srv
		if v := pol.DecideInbound(req); !v.Allow {
			b.Fatal(v.Diagnostic)
		}
	}
}

// BenchmarkInboundCall measures whole calls (INVITE, 100, 180, 200, ACK, BYE, 200) over loopback mutual
// TLS against the Edge and, in the same run, against a bare sipgo listener that answers with no policy.
func BenchmarkInboundCall(b *testing.B) {
	// Refusals only, as in production at the default level: accepted calls log at info.
	e := startEdgeLogging(b, zerolog.Nop(), withZones(acanoCorrect))
	peerCert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	base := startBaseline(b, e.lab.EdgeCert)
	targets := []struct {
		name, addr string
	}{{"baseline-sipgo", base}, {"edge-allow-all", startAllowAll(b, e.lab)}, {"edge", e.addr}, {"edge-recording", startRecordingAll(b, e.lab.Config.Lab.Dir)}}
	for _, mode := range []string{"persistent-conn", "new-conn-per-call"} {
		for _, tg := range targets {
			b.Run(mode+"/"+tg.name, func(b *testing.B) {
				p := benchPeer(b, e, peerCert)
				b.ReportAllocs()
				cpu := processCPU()
				for b.Loop() {
					if mode == "new-conn-per-call" {
						_ = p.Close()
						p = benchPeer(b, e, peerCert)
					}
					inv, _ := p.NewRequest(sip.INVITE, seedFrom, seedTo, tg.addr)
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					res, err := p.Call(ctx, inv, nil)
					cancel()
					if err != nil || !res.HungUp {
						b.Fatalf("call: %+v %v", res, err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
				// The whole process: peer, Edge and the recorder's goroutines, so recording's cost shows.
				b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
				_ = p.Close()
			})
		}
	}
}

func benchPeer(b testing.TB, e *testEdge, cert *tls.Certificate) *standin.Client {
	roots := x509.NewCertPool()
	roots.AddCert(e.lab.CA.Cert)
	p, err := standin.NewClient(standin.ClientConfig{Certificate: cert, EdgeRoots: roots, EdgeFQDN: "sip.skype.lab", Logger: zerolog.Nop()})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// startAllowAll is the Edge's SIP layer with a decider that allows everything: the difference to
// "edge" is what the federation policy costs per call.
func startAllowAll(b testing.TB, lab *Lab) string {
	srv, err := sipstack.NewServer(sipConfig(lab, zerolog.Nop()), sipstack.DeciderFunc(func(context.Context, *sipstack.Request) sipstack.Decision {
		return sipstack.Decision{Allow: true}
	}))
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Close(context.Background()) })
	return srv.Addr().String()
}

// startBaseline is sipgo with the same TLS settings answering every INVITE 180 then 200 with SDP.
func startBaseline(b testing.TB, cert tls.Certificate) string {
	return startSipgoBaseline(b, cert, func(srv *sipgo.Server) {
		srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
			_ = tx.Respond(sip.NewResponseFromRequest(req, 180, "Ringing", nil))
			res := sip.NewResponseFromRequest(req, 200, "OK", []byte(standin.DefaultOffer))
			res.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", Host: "127.0.0.1"}})
			res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
			_ = tx.Respond(res)
		})
		srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
			_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
		})
	})
}

// startSipgoBaseline is a bare sipgo server on a TLS listener with the Edge's TLS settings (TLS 1.2
// up, a client certificate required), answering as handle sets it up: the in-process baseline the
// Edge's benchmarks are read against.
func startSipgoBaseline(b testing.TB, cert tls.Certificate, handle func(*sipgo.Server)) string {
	ua, err := sipgo.NewUA()
	if err != nil {
		b.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		b.Fatal(err)
	}
	srv.OnAck(func(*sip.Request, sip.ServerTransaction) {})
	handle(srv)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	conf := &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAnyClientCert, MinVersion: tls.VersionTLS12}
	go func() { _ = srv.ServeTLS(tls.NewListener(l, conf)) }()
	b.Cleanup(func() { _ = l.Close(); _ = ua.Close() })
	return l.Addr().String()
}

// BenchmarkServiceDecide is the policy's share of an accepted call as the running Edge pays it: the
// facts of a request, the cached SRV lookup, the memoised certificate rule, the verdict.
func BenchmarkServiceDecide(b *testing.B) {
	e := startEdgeLogging(b, zerolog.Nop(), withZones(acanoCorrect))
	chain := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	leaf, err := x509.ParseCertificate(chain.Certificate[0])
	if err != nil {
		b.Fatal(err)
	}
	req := &sipstack.Request{Method: "INVITE", StartLine: "INVITE sip:stejanss@skype.lab SIP/2.0", RequestURIUser: "stejanss",
		RequestURIHost: "skype.lab", FromHost: "acano.steven.lab", CallID: "c", CSeq: "1 INVITE",
		PeerChain: []*x509.Certificate{leaf, e.lab.CA.Cert}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if d := e.svc.Decide(ctx, req); !d.Allow {
			b.Fatal(d)
		}
	}
}

// BenchmarkInboundLoad is a load run: 32 peers (one TLS connection each) calling at once, against the
// Edge and, in the same run, the bare sipgo baseline.
func BenchmarkInboundLoad(b *testing.B) {
	e := startEdgeLogging(b, zerolog.Nop(), withZones(acanoCorrect))
	peerCert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	for _, tg := range []struct{ name, addr string }{{"baseline-sipgo", startBaseline(b, e.lab.EdgeCert)}, {"edge", e.addr}} {
		b.Run(tg.name, func(b *testing.B) {
			b.SetParallelism(16) // 2 cores × 16 = 32 concurrent callers
			b.RunParallel(func(pb *testing.PB) {
				p := benchPeer(b, e, peerCert)
				defer p.Close()
				for pb.Next() {
					inv, _ := p.NewRequest(sip.INVITE, seedFrom, seedTo, tg.addr)
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					res, err := p.Call(ctx, inv, nil)
					cancel()
					if err != nil || !res.HungUp {
						b.Errorf("call: %+v %v", res, err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
		})
	}
}

// startRecordingAll is the Edge with recording and every output on: pcapng, key log, HEP to a local
// UDP socket, JSONL and metrics, all files in b.TempDir(). Its peers' certificates come from its own
// lab CA, like e's. The HEP sink never reads: an HEP receiver is another process (sngrep, Homer),
// and reading here would bill its receive calls to the Edge; its full buffer drops packets in the
// kernel, after the Edge has paid for every send.
func startRecordingAll(b *testing.B, labDir string) string {
	return startRecordingWith(b, labDir, func(o *RecordOptions, dir, hep string) {
		o.PCAPNG, o.KeyLog, o.HEP = filepath.Join(dir, "b.pcapng"), filepath.Join(dir, "keys"), hep
		o.JSONL, o.Metrics = filepath.Join(dir, "a.jsonl"), metrics.New("bench")
	})
}
