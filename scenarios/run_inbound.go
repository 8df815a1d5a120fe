package scenarios

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/scenarios/standin"
	"github.com/edgesim/edgesim/sipstack"
)

// runInbound: the Edge listens, the Expressway-E stand-in (a standin.Client) connects with the
// scenario's certificate and sends the INVITE; the answer it gets is the wire text.
func runInbound(ctx context.Context, s *Scenario, dir string, opts Options, res *Result) error {
	log := opts.Logger
	cfg, _, leaf, dns, err := prepare(s, dir, log)
	if err != nil {
		return err
	}
	defer dns.Close()
	lab, err := edge.OpenLab(cfg)
	if err != nil {
		return err
	}
	edgeLog := &edge.LogBuffer{}
	var traceMu sync.Mutex
	var trace []policy.Rule
	defer func() {
		traceMu.Lock()
		defer traceMu.Unlock()
		res.Trace = trace
	}()
	svc, err := edge.NewService(lab, log, edge.ServiceOptions{EdgeLog: edgeLog, Recorder: opts.Recorder,
		OnVerdict: func(_ *sipstack.Request, v policy.Verdict) {
			traceMu.Lock()
			defer traceMu.Unlock()
			if trace == nil { // the scenario's own request decides; nothing after it does
				trace = v.Trace
			}
		}})
	if err != nil {
		return err
	}
	if err := svc.Start(); err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = svc.Close(cctx)
	}()

	var cert *tls.Certificate
	if leaf != nil && s.Peer.Behaviour != BehaviourNoClientCert {
		c := leaf.TLSCertificate()
		cert = &c
	}
	roots := x509.NewCertPool()
	roots.AddCert(lab.CA.Cert)
	peer, err := standin.NewClient(standin.ClientConfig{FQDN: s.peerFQDN(), Certificate: cert,
		EdgeRoots: roots, EdgeFQDN: cfg.Edge.FQDN, Logger: log})
	if err != nil {
		return err
	}
	defer peer.Close()
	inv, err := peer.NewRequest(sip.INVITE, s.Call.From, s.Call.To, svc.SIPAddr().String())
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, s.callTimeout())
	defer cancel()
	call, callErr := peer.Call(cctx, inv, nil)
	if call != nil && call.Final != nil {
		f := call.Final
		res.Got.Status, res.Got.Reason = f.StatusCode, f.Reason
		res.Wire = f.String()
		if h := f.GetHeader("ms-diagnostics"); h != nil {
			res.Diagnostic = h.Value()
			res.Got.Diagnostic = policy.DiagnosticCode(res.Diagnostic)
		}
		if call.Answered && !call.HungUp {
			res.Notes = append(res.Notes, "the call was answered but the stand-in's BYE failed")
		}
	}
	if callErr != nil {
		// No SIP answer: the connection ended first (a refused TLS handshake), or nothing came in time.
		res.Notes = append(res.Notes, fmt.Sprintf("the stand-in got no SIP answer: %v", callErr))
		res.PeerError = callErr.Error()
	}
	res.EdgeLog = edgeLog.String()
	var n int
	res.Got.ResultCode, n = edgeLogResult(res.EdgeLog)
	if n > 1 {
		res.Notes = append(res.Notes, fmt.Sprintf("the Edge wrote %d records; the first one is compared", n))
	}
	return nil
}
