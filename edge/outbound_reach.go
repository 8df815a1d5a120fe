package edge

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/sipstack"
)

// reached is how far the Edge got towards a callee domain: a checked connection, or the refusal.
type reached struct {
	srv        []SRVTarget // what the SRV lookup answered
	target     SRVTarget   // the in-domain target last tried
	addr       netip.AddrPort
	chain      []*x509.Certificate // the server's, when a handshake got that far
	peerServer string
	conn       *sipstack.PeerConn
	verdict    *Verdict
	fault      certs.Fault
	viaProxy   bool // an allowed partner with a proxy FQDN: no SRV lookup
}

func (r reached) targetHostPort() string {
	if r.target.Target == "" {
		return ""
	}
	return r.target.HostPort()
}

// logPeer is the Edge log's Peer: the certificate's name when one was seen, else the name the Edge
// was trying to reach, with the port it was reaching.
func (r reached) logPeer(domain string) string {
	name, port := domain, 5061
	switch {
	case r.target.Target != "":
		name, port = r.target.Target, int(r.target.Port)
	case len(r.srv) > 0:
		name, port = strings.TrimSuffix(r.srv[0].Target, "."), int(r.srv[0].Port)
	}
	if r.peerServer != "" {
		name = r.peerServer
	}
	return FormatPeer(name, port)
}

// reach applies spec §3 steps 1–6 to a callee domain: the federation lists, the SRV record and the
// DNS rule, A/AAAA, TCP, TLS and the server certificate. Every step is reported through emit.
func (o *Outbound) reach(ctx context.Context, domain string, now time.Time, emit func(Step)) reached {
	var r reached
	p := o.Lab.Policy
	rt := p.Route(domain)
	var srv SRVResult
	switch {
	case rt.Denied != nil:
		emit(Step{Kind: StepFederation, Text: rt.Denied.Record.Text})
		r.verdict = rt.Denied
		return r
	case rt.ProxyFQDN != "":
		r.viaProxy = true
		emit(Step{Kind: StepFederation, OK: true, Text: fmt.Sprintf("%s is an allowed partner whose Edge is %s: no SRV lookup", domain, rt.ProxyFQDN)})
	default:
		emit(Step{Kind: StepFederation, OK: true, Text: fmt.Sprintf("partner discovery is on and %s is not blocked", domain)})
		srv = LookupSRV(ctx, o.Lab.Resolver, domain)
		r.srv = srv.Targets
		emit(srvStep(domain, srv))
	}
	targets, v := p.OutboundTargets(domain, srv)
	if v != nil {
		if v.Diagnostic != nil && v.Diagnostic.Code == CodeNoSRVMatch {
			emit(inDomainStep(domain, srv.Targets, false))
		}
		r.verdict = v
		return r
	}
	if rt.NeedsSRV() {
		emit(inDomainStep(domain, srv.Targets, true))
	}
	return o.connect(ctx, r, targets, now, emit)
}

// connect tries the in-domain targets in RFC 2782 order, and each target's addresses in turn, until
// a TCP connection stands; the TLS handshake and the certificate then decide.
func (o *Outbound) connect(ctx context.Context, r reached, targets []SRVTarget, now time.Time, emit func(Step)) reached {
	var hostErr, connErr error
	var hostTarget, connTarget SRVTarget
	var connAddr netip.AddrPort
	for _, t := range targets {
		addrs, err := o.Lab.Resolver.LookupHost(ctx, t.Target)
		if err != nil {
			emit(Step{Kind: StepAddress, Text: err.Error()})
			if hostErr == nil {
				hostErr, hostTarget = err, t
			}
			continue
		}
		emit(Step{Kind: StepAddress, OK: true, Text: t.Target + " → " + joinAddrs(addrs)})
		for _, a := range addrs {
			r.target, r.addr = t, netip.AddrPortFrom(a, t.Port)
			conn, err := sipstack.Dial(ctx, o.clientConfig(t.Target, now, emit), o.dialAddr(t, r.addr), t.Target)
			var de *sipstack.DialError
			if errors.As(err, &de) && de.Stage == sipstack.StageConnect {
				emit(Step{Kind: StepConnect, Text: err.Error()})
				if connErr == nil {
					connErr, connTarget, connAddr = de, t, r.addr
				}
				continue
			}
			return o.handshaken(r, conn, err, now, emit)
		}
	}
	switch {
	case connErr != nil:
		r.target, r.addr = connTarget, connAddr
		var de *sipstack.DialError
		errors.As(connErr, &de)
		v := ConnectFailed(connTarget.HostPort(), winsockOf(de.Cause))
		v.Record.Data = append(v.Record.Data, Attr{"info", connErr.Error()})
		r.verdict = &v
	default:
		v := NoARecord(hostTarget.Target, hostErr.Error())
		r.target = hostTarget
		r.verdict = &v
	}
	return r
}

// handshaken turns the outcome of the TLS handshake into steps and, on failure, the refusal.
func (o *Outbound) handshaken(r reached, conn *sipstack.PeerConn, err error, now time.Time, emit func(Step)) reached {
	var rej *sipstack.CertRejectedError
	var de *sipstack.DialError
	switch {
	case err == nil:
		cs := conn.State()
		r.conn, r.chain = conn, cs.PeerCertificates
		r.peerServer = certs.PresentedName(cs.PeerCertificates[0])
		emit(tlsStep(cs, o.Lab.EdgeCert))
		emit(Step{Kind: StepCertificate, OK: true, Text: fmt.Sprintf("%s is named by the certificate, its chain is trusted, valid until %s",
			r.target.Target, cs.PeerCertificates[0].NotAfter.UTC().Format(time.DateOnly))})
	case errors.As(err, &rej):
		r.chain = rej.State.PeerCertificates
		if len(r.chain) > 0 {
			r.peerServer = certs.PresentedName(r.chain[0])
		}
		emit(tlsStep(rej.State, o.Lab.EdgeCert))
		var cr *certRefusal
		if !errors.As(rej.Err, &cr) {
			v := TLSFailed(r.target.HostPort(), WSAECONNRESET)
			r.verdict = &v
			return r
		}
		emit(Step{Kind: StepCertificate, Text: cr.Error()})
		r.verdict, r.fault = &cr.verdict, cr.fault
	default:
		cause := sipstack.CauseOther
		if errors.As(err, &de) {
			cause = de.Cause
		}
		emit(Step{Kind: StepTLS, Text: err.Error()})
		v := TLSFailed(r.target.HostPort(), winsockOf(cause))
		v.Record.Data = append(v.Record.Data, Attr{"info", err.Error()})
		r.verdict = &v
	}
	return r
}

// certRefusal carries the policy's verdict on a server certificate through the TLS handshake.
type certRefusal struct {
	verdict Verdict
	fault   certs.Fault
	detail  string
}

func (e *certRefusal) Error() string { return e.fault.ErrorType() + ": " + e.detail }

func (o *Outbound) clientConfig(target string, now time.Time, emit func(Step)) sipstack.ClientConfig {
	lo, hi := clientTLS(o.Lab.Config.Edge)
	return sipstack.ClientConfig{
		Certificate: o.Lab.EdgeCert,
		MinTLS:      lo,
		MaxTLS:      hi,
		ContactHost: o.Lab.Config.Edge.FQDN,
		Logger:      o.Logger,
		OnConnected: func(local, remote netip.AddrPort) {
			emit(Step{Kind: StepConnect, OK: true, Text: fmt.Sprintf("connected to %s from %s", remote, local)})
		},
		Verify: func(cs tls.ConnectionState) error {
			v, res := o.Lab.Policy.CheckPeer(cs.PeerCertificates, []string{target}, x509.ExtKeyUsageServerAuth, now)
			if v.Allow {
				return nil
			}
			return &certRefusal{verdict: v, fault: res.Fault, detail: res.Detail}
		},
	}
}

// clientTLS is [choice]: the Edge calls out with at most TLS 1.2, as Skype for Business Server's
// Schannel does, unless the configuration allows nothing older than 1.3. With 1.2 a server that
// refuses our certificate does so inside the handshake.
func clientTLS(e config.Edge) (lo, hi uint16) {
	lo, _ = config.TLSVersion(e.TLS.MinVersion)
	hi, _ = config.TLSVersion(e.TLS.MaxVersion)
	lo = max(lo, tls.VersionTLS12)
	hi = max(hi, lo)
	if lo <= tls.VersionTLS12 {
		hi = tls.VersionTLS12
	}
	return lo, hi
}

func winsockOf(c sipstack.Cause) Winsock {
	switch c {
	case sipstack.CauseRefused:
		return WSAECONNREFUSED
	case sipstack.CauseTimeout, sipstack.CauseUnreachable:
		return WSAETIMEDOUT
	}
	return WSAECONNRESET
}

func isTLSAlert(err error) bool { return err != nil && sipstack.IsTLSAlert(err) }

func srvStep(domain string, srv SRVResult) Step {
	s := Step{Kind: StepSRV, OK: srv.Err == nil && len(srv.Targets) > 0}
	name := FederationSRVName(domain)
	if srv.Err != nil {
		s.Text = srv.Err.Error()
		return s
	}
	s.Text = fmt.Sprintf("%s: %d record(s)", name, len(srv.Targets))
	for _, t := range srv.Targets {
		s.Detail = append(s.Detail, fmt.Sprintf("%s SRV %d %d %d %s.", name, t.Priority, t.Weight, t.Port, strings.TrimSuffix(t.Target, ".")))
	}
	return s
}

func inDomainStep(domain string, targets []SRVTarget, ok bool) Step {
	s := Step{Kind: StepInDomain, OK: ok}
	for _, t := range targets {
		verdict := "lies directly in " + domain
		if !InDomain(t.Target, domain) {
			verdict = "does NOT lie directly in " + domain
		}
		s.Detail = append(s.Detail, t.HostPort()+" "+verdict)
	}
	if ok {
		s.Text = "an SRV target lies directly in " + domain
	} else {
		s.Text = "no SRV target lies directly in " + domain + ": the INVITE is not sent"
	}
	return s
}

func tlsStep(cs tls.ConnectionState, own tls.Certificate) Step {
	s := Step{Kind: StepTLS, OK: true, Text: fmt.Sprintf("%s %s, SNI %s, client certificate %s presented",
		tls.VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite), cs.ServerName, ownName(own))}
	for i, c := range cs.PeerCertificates {
		s.Detail = append(s.Detail, fmt.Sprintf("[%d] CN=%q SAN=%v issuer CN=%q valid %s to %s", i, c.Subject.CommonName,
			c.DNSNames, c.Issuer.CommonName, c.NotBefore.UTC().Format(time.DateOnly), c.NotAfter.UTC().Format(time.DateOnly)))
	}
	return s
}

func ownName(c tls.Certificate) string {
	if c.Leaf != nil {
		return certs.PresentedName(c.Leaf)
	}
	return "(unparsed)"
}

func joinAddrs(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

// dialAddr is where the socket really goes: the resolved address unless a lab redirects it.
func (o *Outbound) dialAddr(t SRVTarget, addr netip.AddrPort) netip.AddrPort {
	if o.DialAddr != nil {
		return o.DialAddr(t, addr)
	}
	return addr
}
