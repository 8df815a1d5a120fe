package edge

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/sipstack"
)

// reached is how far the Edge got towards a callee domain: the facts gathered, the policy's verdict on
// them (a refusal, or pending on the far end's answer) and, when every rule passed, the connection.
type reached struct {
	facts   policy.OutboundFacts
	verdict policy.Verdict
	policy  *policy.Policy
	conn    *sipstack.PeerConn
	addr    netip.AddrPort // the address that decided: connected to, or the first refused
}

func (r reached) refused() bool { return r.verdict.Decided() }

func (r reached) targetHostPort() string {
	if r.verdict.Target == nil {
		return ""
	}
	return r.verdict.Target.HostPort()
}

// logPeer is the Edge log's Peer: the certificate's name when one was seen, else the name the Edge
// was trying to reach, with the port it was reaching.
func (r reached) logPeer(domain string) string {
	name, port := domain, 5061
	switch {
	case r.verdict.Target != nil:
		name, port = r.verdict.Target.Target, int(r.verdict.Target.Port)
	case r.facts.SRV != nil && len(r.facts.SRV.Targets) > 0:
		name, port = strings.TrimSuffix(r.facts.SRV.Targets[0].Target, "."), int(r.facts.SRV.Targets[0].Port)
	}
	if r.verdict.PeerServer != "" {
		name = r.verdict.PeerServer
	}
	return FormatPeer(name, port)
}

// decide asks the policy about the facts so far and narrates the rules it newly applied.
func (r *reached) decide(emit func(Step)) {
	seen := len(r.verdict.Trace)
	r.verdict = r.policy.DecideOutbound(r.facts)
	for _, rule := range r.verdict.Trace[min(seen, len(r.verdict.Trace)):] {
		switch rule.Name {
		case policy.RuleFederationLists:
			emit(Step{Kind: StepFederation, OK: rule.Outcome == policy.Pass, Text: rule.Detail})
		case policy.RuleInDomain:
			emit(inDomainStep(r.facts.Domain, r.facts.SRV.Targets, rule.Outcome == policy.Pass))
		case policy.RuleCertificate:
			emit(Step{Kind: StepCertificate, OK: rule.Outcome == policy.Pass, Text: rule.Detail})
		}
	}
}

// reach applies §3 steps 1–6 to a callee domain: the policy names each fact it needs — the SRV record,
// a target's addresses, a TCP and TLS attempt — and reach gathers it, reporting every step through emit.
func (o *Outbound) reach(ctx context.Context, domain string, now time.Time, emit func(Step)) reached {
	p := *o.Lab.Policy
	p.Check = memoForCall(p.Check) // the handshake and every later decision judge the same chain
	r := reached{policy: &p, facts: policy.OutboundFacts{Domain: domain, Now: now, Hosts: map[string]policy.HostResult{}}}
	for r.decide(emit); !r.refused() && r.verdict.Pending.Fact != policy.NeedAnswer; r.decide(emit) {
		need := *r.verdict.Pending
		switch need.Fact {
		case policy.NeedSRV:
			srv := LookupSRV(ctx, o.Recorder.resolverFor(o.Lab.Resolver), need.Domain)
			r.facts.SRV = &srv
			emit(srvStep(need.Domain, srv))
		case policy.NeedHost:
			r.facts.Hosts[need.Target.Target] = o.lookupHost(ctx, need.Target, emit)
		case policy.NeedDial:
			o.dial(ctx, &r, need, now, emit)
		}
	}
	if r.conn != nil && r.refused() {
		_ = r.conn.Close()
		r.conn = nil
	}
	return r
}

func (o *Outbound) lookupHost(ctx context.Context, t policy.SRVTarget, emit func(Step)) policy.HostResult {
	addrs, err := o.Recorder.resolverFor(o.Lab.Resolver).LookupHost(ctx, t.Target)
	if err != nil {
		emit(Step{Kind: StepAddress, Text: err.Error()})
		return policy.HostResult{Error: err.Error()}
	}
	emit(Step{Kind: StepAddress, OK: true, Text: t.Target + " → " + joinAddrs(addrs)})
	return policy.HostResult{Addrs: addrs}
}

// dial opens TCP, then TLS, to one address of a target and records how far it got. The server's chain
// is kept from the handshake's own verification, so a far end that refuses the Edge's certificate
// afterwards is still told apart from one whose certificate the Edge refused.
func (o *Outbound) dial(ctx context.Context, r *reached, need policy.Need, now time.Time, emit func(Step)) {
	t := need.Target
	dr := policy.DialResult{Target: t, Addr: need.Addr}
	var chain []*x509.Certificate
	cfg := o.clientConfig(emit)
	cfg.Tap, cfg.KeyLog = o.Recorder.clientHooks(ctx)
	cfg.Verify = func(cs tls.ConnectionState) error {
		chain = cs.PeerCertificates
		if v, _ := r.policy.CheckPeer(cs.PeerCertificates, []string{t.Target}, x509.ExtKeyUsageServerAuth, now); !v.Allow {
			return errCertRefused
		}
		return nil
	}
	conn, err := sipstack.Dial(ctx, cfg, o.dialAddr(t, need.Addr), t.Target)
	var de *sipstack.DialError
	var rej *sipstack.CertRejectedError
	switch {
	case err == nil:
		cs := conn.State()
		dr.Stage, dr.Chain = policy.DialEstablished, cs.PeerCertificates
		r.conn = conn
		emit(tlsStep(cs, o.Lab.EdgeCert))
	case errors.As(err, &de) && de.Stage == sipstack.StageConnect:
		dr.Stage, dr.Cause, dr.Error = policy.DialConnectFailed, winsockOf(de.Cause), err.Error()
		emit(Step{Kind: StepConnect, Text: err.Error()})
	case errors.As(err, &rej):
		dr.Stage, dr.Chain = policy.DialTLSFailed, rej.State.PeerCertificates // the certificate rule says why
		emit(tlsStep(rej.State, o.Lab.EdgeCert))
	default:
		dr.Stage, dr.Chain, dr.Cause, dr.Error = policy.DialTLSFailed, chain, winsockOf(sipstack.CauseOther), err.Error()
		if errors.As(err, &de) {
			dr.Cause = winsockOf(de.Cause)
		}
		emit(Step{Kind: StepTLS, Text: err.Error()})
	}
	if dr.Stage != policy.DialConnectFailed || !r.addr.IsValid() {
		r.addr = need.Addr
	}
	r.facts.Dials = append(r.facts.Dials, dr)
}

// errCertRefused aborts a handshake whose server certificate the policy refused; the policy's verdict
// on the same chain, not this error, says why.
var errCertRefused = errors.New("the server certificate fails the Edge's certificate rule")

// memoForCall remembers the certificate rule's results for one call, where the handshake and each
// later decision judge the same chain at the same moment.
func memoForCall(base policy.CertChecker) policy.CertChecker {
	type key struct {
		leaf  *x509.Certificate
		n     int
		fqdn  string
		usage x509.ExtKeyUsage
		now   time.Time
	}
	var mu sync.Mutex
	m := map[key]certs.CheckResult{}
	return func(in certs.CheckInput) certs.CheckResult {
		if len(in.Chain) == 0 {
			return certs.Check(in)
		}
		k := key{in.Chain[0], len(in.Chain), in.FQDN, in.Usage, in.Now}
		mu.Lock()
		res, ok := m[k]
		mu.Unlock()
		if ok {
			return res
		}
		if base != nil {
			res = base(in)
		} else {
			res = certs.Check(in)
		}
		mu.Lock()
		m[k] = res
		mu.Unlock()
		return res
	}
}

func (o *Outbound) clientConfig(emit func(Step)) sipstack.ClientConfig {
	return sipstack.ClientConfig{
		Certificate:  o.Lab.EdgeCert,
		MinTLS:       o.Lab.TLSMin,
		MaxTLS:       o.Lab.TLSMax,
		CipherSuites: o.Lab.TLSSuites,
		ContactHost:  o.Lab.Config.Edge.FQDN,
		Logger:       o.Logger,
		OnConnected: func(local, remote netip.AddrPort) {
			emit(Step{Kind: StepConnect, OK: true, Text: fmt.Sprintf("connected to %s from %s", remote, local)})
		},
	}
}

func winsockOf(c sipstack.Cause) policy.Winsock {
	switch c {
	case sipstack.CauseRefused:
		return policy.WSAECONNREFUSED
	case sipstack.CauseTimeout, sipstack.CauseUnreachable:
		return policy.WSAETIMEDOUT
	}
	return policy.WSAECONNRESET
}

// dialAddr is where the socket really goes: the resolved address unless a lab redirects it.
func (o *Outbound) dialAddr(t policy.SRVTarget, addr netip.AddrPort) netip.AddrPort {
	if o.DialAddr != nil {
		return o.DialAddr(t, addr)
	}
	return addr
}
