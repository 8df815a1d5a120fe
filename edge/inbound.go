package edge

import (
	"context"

	"github.com/edgesim/edgesim/labdns"
	"github.com/edgesim/edgesim/sipstack"
)

// Decide is the Edge's answer to a new request from a federated peer: it gathers the DNS facts the
// pure policy needs, takes its verdict, writes the Edge-log record and tells the SIP layer what to send.
func (s *Service) Decide(ctx context.Context, r *sipstack.Request) sipstack.Decision {
	in := InboundRequest{
		RequestURIUser: r.RequestURIUser,
		RequestURIHost: r.RequestURIHost,
		FromHost:       r.FromHost,
		PAIHost:        r.PAIHost,
		PeerChain:      r.PeerChain,
	}
	v := s.lab.Policy.DecideInbound(in, s.lookupSRV(ctx, FederationDomain(in)), s.now())
	peer := FormatPeer(presented(r.PeerChain), int(r.Source.Port()))
	if v.Allow {
		s.log.Info().Str("method", r.Method).Str("call_id", r.CallID).Str("peer", peer).
			Str("domain", FederationDomain(in)).Str("matched_fqdn", v.MatchedFQDN).Msg("federated request accepted")
		return sipstack.Decision{Allow: true}
	}
	s.record(v, MessageInfo{StartLine: r.StartLine, CallID: r.CallID, CSeq: r.CSeq, Peer: peer})
	d := sipstack.Decision{Status: v.Status, Reason: v.Reason}
	if s.annotated && v.Diagnostic != nil {
		d.Headers = []sipstack.Header{{Name: "ms-diagnostics", Value: v.Diagnostic.Header(s.lab.Config.Edge.FQDN)}}
	}
	return d
}

// lookupSRV asks the resolver only when the policy will need the answer.
func (s *Service) lookupSRV(ctx context.Context, domain string) SRVResult {
	if domain == "" || IsIPLiteral(domain) || !s.lab.Policy.Route(domain).NeedsSRV() {
		return SRVResult{}
	}
	return LookupSRV(ctx, s.lab.Resolver, domain)
}

// LookupSRV resolves a domain's federation SRV record into the policy's plain form.
func LookupSRV(ctx context.Context, r labdns.Resolver, domain string) SRVResult {
	recs, err := r.LookupSRV(ctx, FederationSRVName(domain))
	if err != nil {
		return SRVResult{Err: err}
	}
	out := make([]SRVTarget, 0, len(recs))
	for _, rec := range recs {
		out = append(out, SRVTarget{Target: rec.Target, Port: rec.Port, Priority: rec.Priority, Weight: rec.Weight})
	}
	return SRVResult{Targets: out}
}

// record writes a refusal to the Edge log and, with the same fields, to the process log.
func (s *Service) record(v Verdict, msg MessageInfo) {
	if v.Record == nil {
		s.log.Warn().Int("status", v.Status).Str("reason", v.Reason).Str("call_id", msg.CallID).Str("peer", msg.Peer).Msg("request refused")
		return
	}
	h, err := s.edgeLog.Write(*v.Record, msg)
	if err != nil {
		s.log.Error().Err(err).Msg("could not write the Edge log")
	}
	ev := s.log.Warn()
	if v.Record.Level == LevelError {
		ev = s.log.Error()
	}
	if v.Diagnostic != nil {
		ev = ev.Int("diagnostic", v.Diagnostic.Code)
	}
	ev.Int("status", v.Status).
		Str("result_code", v.Record.Result.Hex()).Str("result", v.Record.Result.Name).
		Str("text", v.Record.Text).Str("sip_start_line", msg.StartLine).Str("sip_call_id", msg.CallID).
		Str("sip_cseq", msg.CSeq).Str("peer", msg.Peer).Str("data", v.Record.DataLine()).
		Uint32("correlation", h.Correlation).Msg("federated request refused")
}
