package scenarios

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync/atomic"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/scenarios/standin"
	"github.com/edgesim/edgesim/sipstack"
)

// runOutbound: the Expressway-E stand-in listens on 127.0.0.1:0; the Edge's outbound engine calls
// into the callee's domain through the lab DNS; the Skype client's view of the answer is the wire text.
func runOutbound(ctx context.Context, s *Scenario, dir string, opts Options, res *Result) error {
	log := opts.Logger
	cfg, cas, leaf, dns, err := prepare(s, dir, log)
	if err != nil {
		return err
	}
	defer dns.Close()
	stand, err := startStandIn(s, cas, leaf, log)
	if err != nil {
		return err
	}
	defer stand.Close()
	lab, err := edge.OpenLab(cfg)
	if err != nil {
		return err
	}
	edgeLog := &edge.LogBuffer{}
	redirected := atomic.Bool{}
	ob := &edge.Outbound{Lab: lab, Logger: log, Recorder: opts.Recorder,
		EdgeLog: edge.NewLogWriter(edgeLog, edge.LogWriterOptions{Machine: cfg.Edge.EdgeLog.Machine}),
		// Loopback targets (the lab puts the Expressway side on 127.0.0.2) reach the stand-in on its
		// ephemeral port; DNS, the diagnostics and the Edge log keep what the zone says. Other
		// addresses are dialled as they are, so a scenario can still point at an unreachable host.
		DialAddr: func(_ policy.SRVTarget, a netip.AddrPort) netip.AddrPort {
			if !a.Addr().IsLoopback() {
				return a
			}
			redirected.Store(true)
			return netip.AddrPortFrom(standInAddr, stand.Port())
		}}
	call := ob.Call(ctx, edge.CallRequest{From: s.Call.From, To: s.Call.To, Timeout: s.callTimeout()}, nil)
	for _, st := range call.Steps {
		mark := "ok  "
		if !st.OK {
			mark = "FAIL"
		}
		res.Steps = append(res.Steps, fmt.Sprintf("%s %-11s %s", mark, st.Kind, st.Text))
	}
	if redirected.Load() {
		res.Notes = append(res.Notes, fmt.Sprintf("the Expressway-E stand-in listens on 127.0.0.1:%d; the runner dialled it "+
			"wherever the zone's loopback records pointed", stand.Port()))
	}
	res.Got.Status, res.Got.Reason = call.Status, call.Reason
	res.Got.Diagnostic, res.Diagnostic = call.DiagnosticCode, call.Diagnostic
	res.Got.ResultCode = call.ResultCode
	res.Trace = call.Trace
	res.Wire = call.SkypeView
	res.EdgeLog = edgeLog.String()
	if call.Error != "" {
		res.Notes = append(res.Notes, "outbound engine: "+call.Error)
	}
	for _, r := range stand.Requests() {
		res.PeerSaw = append(res.PeerSaw, r)
		if strings.HasPrefix(r, "INVITE ") {
			res.Got.ReachedPeer = true
		}
	}
	return nil
}

var standInAddr = netip.MustParseAddr("127.0.0.1")

// standIn is the Expressway-E the Edge calls.
type standIn interface {
	Port() uint16
	Requests() []string // start lines of what reached it
	Close() error
}

func startStandIn(s *Scenario, cas map[certs.Issuer]*certs.CA, leaf *certs.Leaf, log zerolog.Logger) (standIn, error) {
	switch s.Peer.Behaviour {
	case BehaviourRefuseConnection:
		return refuseConnection()
	case BehaviourRejectEdgeCert:
		return rejectEdgeCert(leaf, cas[certs.IssuerUntrusted])
	case BehaviourVerifyEdgeCert:
		// Go's client-certificate verification is the Expressway's here: chain to a trusted CA and
		// the clientAuth usage.
		return rejectEdgeCert(leaf, cas[certs.IssuerLab])
	}
	if leaf == nil {
		// tls-reset never gets as far as presenting one, but the stand-in is built with a certificate.
		var err error
		if leaf, err = cas[certs.IssuerLab].Issue(certs.LeafRequest{CommonName: s.peerFQDN()}); err != nil {
			return nil, err
		}
	}
	pc := standin.ServerConfig{Certificate: leaf.TLSCertificate(), RequireClientCert: true, Logger: log}
	switch s.Peer.Behaviour {
	case BehaviourFail:
		pc.Behaviour = standin.Reject
		pc.Status, pc.Reason, pc.Diagnostics = s.Peer.FailStatus, s.Peer.FailReason, s.Peer.FailDiagnostics
		if pc.Status == 0 {
			pc.Status = 486
		}
		if pc.Reason == "" {
			pc.Reason = sipstack.ReasonPhrase(pc.Status)
		}
	case BehaviourSilent:
		pc.Behaviour = standin.Silent
	case BehaviourTLSReset:
		pc.Behaviour = standin.ResetTLS
	default:
		pc.Behaviour = standin.Answer
	}
	p, err := standin.Start(pc)
	if err != nil {
		return nil, err
	}
	return sipStandIn{p}, nil
}

type sipStandIn struct{ *standin.Server }

func (p sipStandIn) Port() uint16 { return p.Addr().Port() }

func (p sipStandIn) Requests() []string {
	var out []string
	for _, r := range p.Server.Requests() {
		line := r.Method
		if r.Message != nil {
			line = r.Message.StartLine
		}
		out = append(out, line)
	}
	return out
}

func refuseConnection() (standIn, error) {
	port, err := standin.ClosedPort()
	if err != nil {
		return nil, err
	}
	return refused{port}, nil
}

type refused struct{ port uint16 }

func (r refused) Port() uint16       { return r.port }
func (r refused) Requests() []string { return nil }
func (r refused) Close() error       { return nil }

// rejectEdgeCert verifies the client's certificate against trusted alone: the untrusted CA, so the
// Edge's always fails, or the lab CA, so it fails only on what else Go checks (clientAuth).
func rejectEdgeCert(leaf *certs.Leaf, trusted *certs.CA) (standIn, error) {
	if leaf == nil || trusted == nil {
		return nil, errors.New("reject-edge-cert needs the stand-in's certificate")
	}
	pool := x509.NewCertPool()
	pool.AddCert(trusted.Cert)
	r, err := standin.StartCertRejecter(leaf.TLSCertificate(), pool)
	if err != nil {
		return nil, err
	}
	return rejecter{r}, nil
}

type rejecter struct{ *standin.CertRejecter }

func (r rejecter) Port() uint16       { return r.Addr().Port() }
func (r rejecter) Requests() []string { return nil }
