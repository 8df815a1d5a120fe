package edge

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/edgesim/edgesim/certs"

	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/labdns"
	"github.com/edgesim/edgesim/sipstack"
)

// Decide is the Edge's answer to a new request from a federated peer: it hands the request's facts to
// the pure policy, looks up the SRV record when the policy asks for it, writes the Edge-log record and
// tells the SIP layer what to send.
func (s *Service) Decide(ctx context.Context, r *sipstack.Request) sipstack.Decision {
	var dns *dnsCollector
	if s.rec != nil {
		dns = &dnsCollector{}
		ctx = withDNS(ctx, dns)
	}
	if sipstack.OnReader(ctx) {
		ctx = labdns.NoWait(ctx)
	}
	v, decided := s.decideInbound(ctx, r)
	if !decided {
		return sipstack.Decision{Later: true}
	}
	if s.onVerdict != nil {
		s.onVerdict(r, v)
	}
	peer := FormatPeer(presentedName(r), int(r.Source.Port()))
	if v.Allow {
		if s.rec != nil {
			s.rec.Verdict(r, v, "", dns.take())
		}
		s.log.Info().Str("method", r.Method).Str("call_id", sipstack.LogText(r.CallID)).Str("peer", sipstack.LogText(peer)).
			Str("domain", sipstack.LogText(v.Domain)).Str("matched_fqdn", v.MatchedFQDN).Msg("federated request accepted")
		return sipstack.Decision{Allow: true}
	}
	text := s.record(v, MessageInfo{StartLine: r.StartLine, CallID: r.CallID, CSeq: r.CSeq, Peer: peer})
	if s.rec != nil {
		s.rec.Verdict(r, v, text, dns.take())
	}
	d := sipstack.Decision{Status: v.Status, Reason: v.Reason}
	if s.annotated && v.Diagnostic != nil {
		d.Headers = []sipstack.Header{{Name: "ms-diagnostics", Value: v.Diagnostic.Header(s.lab.Config.Edge.FQDN)}}
	}
	return d
}

// VerifyHandshake is the part of the certificate rule applied inside the TLS handshake (§7): a
// refusal writes the Edge-log record, without SIP lines, and ends the handshake with an alert.
func (s *Service) VerifyHandshake(chain []*x509.Certificate, remote net.Addr) error {
	v := s.lab.Policy.DecideHandshake(chain, s.now())
	if v.Allow {
		return nil
	}
	port := 0
	if ta, ok := remote.(*net.TCPAddr); ok {
		port = ta.Port
	}
	s.record(v, MessageInfo{Peer: FormatPeer(v.PeerServer, port)})
	if s.onVerdict != nil {
		s.onVerdict(nil, v)
	}
	return fmt.Errorf("client certificate of %s refused: %s", v.PeerServer, strings.ToLower(v.Record.Text[:1])+v.Record.Text[1:])
}

// DecideInbound gathers the facts of a request, the SRV answer included when the policy needs it, and
// returns the policy's verdict with its trace.
func (s *Service) DecideInbound(ctx context.Context, r *sipstack.Request) policy.Verdict {
	v, _ := s.decideInbound(ctx, r)
	return v
}

// decideInbound is DecideInbound that reports false, with no verdict, when the SRV answer is
// needed and the context (labdns.NoWait) forbids the wait for it.
func (s *Service) decideInbound(ctx context.Context, r *sipstack.Request) (policy.Verdict, bool) {
	f := inboundFacts(r, s.now())
	v := s.lab.Policy.DecideInbound(f)
	if v.Pending != nil && v.Pending.Fact == policy.NeedSRV {
		srv, ok := lookupSRV(ctx, s.rec.resolverFor(s.lab.Resolver), v.Pending.Domain)
		if !ok {
			return policy.Verdict{}, false
		}
		f.SRV = &srv
		v = s.lab.Policy.DecideInboundAgain(f, v)
	}
	return v, true
}

func inboundFacts(r *sipstack.Request, now time.Time) policy.InboundFacts {
	return policy.InboundFacts{RequestURIUser: r.RequestURIUser, RequestURIHost: r.RequestURIHost,
		FromHost: r.FromHost, PAIHost: r.PAIHost, PeerChain: r.PeerChain, Now: now}
}

func presentedName(r *sipstack.Request) string {
	if len(r.PeerChain) == 0 {
		return ""
	}
	return certs.PresentedName(r.PeerChain[0])
}

// LookupSRV resolves a domain's federation SRV record into the policy's plain form.
func LookupSRV(ctx context.Context, r labdns.Resolver, domain string) policy.SRVResult {
	res, _ := lookupSRV(ctx, r, domain)
	return res
}

// lookupSRV is LookupSRV that reports false for a lookup labdns.NoWait stopped.
func lookupSRV(ctx context.Context, r labdns.Resolver, domain string) (policy.SRVResult, bool) {
	recs, err := r.LookupSRV(ctx, policy.FederationSRVName(domain))
	if errors.Is(err, labdns.ErrWouldWait) {
		return policy.SRVResult{}, false
	}
	if err != nil {
		return policy.SRVResult{Error: err.Error()}, true
	}
	out := make([]policy.SRVTarget, 0, len(recs))
	for _, rec := range recs {
		out = append(out, policy.SRVTarget{Target: rec.Target, Port: rec.Port, Priority: rec.Priority, Weight: rec.Weight})
	}
	return policy.SRVResult{Targets: out}, true
}

// record writes a refusal to the Edge log and, with the same fields, to the process log. It returns
// the Edge-log record as written when the attempt record wants it, "" otherwise.
func (s *Service) record(v policy.Verdict, msg MessageInfo) string {
	if v.Record == nil {
		s.log.Warn().Int("status", v.Status).Str("reason", v.Reason).Str("call_id", sipstack.LogText(msg.CallID)).Str("peer", sipstack.LogText(msg.Peer)).Msg(MsgRequestRefused)
		return ""
	}
	h, err := s.edgeLog.Write(*v.Record, msg)
	if err != nil {
		s.log.Error().Err(err).Msg("could not write the Edge log")
	}
	text := ""
	if s.rec != nil {
		text = string(AppendRecord(nil, h, *v.Record, msg))
	}
	ev := s.log.Warn()
	if v.Record.Level == policy.LevelError {
		ev = s.log.Error()
	}
	if v.Diagnostic != nil {
		ev = ev.Int("diagnostic", v.Diagnostic.Code)
	}
	ev.Int("status", v.Status).
		Str("result_code", v.Record.Result.Hex()).Str("result", v.Record.Result.Name).
		Str("text", v.Record.Text).Str("sip_start_line", sipstack.LogText(msg.StartLine)).Str("sip_call_id", sipstack.LogText(msg.CallID)).
		Str("sip_cseq", sipstack.LogText(msg.CSeq)).Str("peer", sipstack.LogText(msg.Peer)).Str("data", v.Record.DataLine()).
		Uint32("correlation", h.Correlation).Msg(MsgFederatedRefused)
	return text
}
