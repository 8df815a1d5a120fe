package policy

import (
	"crypto/x509"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// OutboundFacts are what the Edge has learnt so far about reaching a callee domain (§3). The I/O code
// starts with Domain and Now, asks DecideOutbound, gathers the fact a pending verdict names, and asks again.
type OutboundFacts struct {
	Domain string
	Now    time.Time
	SRV    *SRVResult            // nil until looked up
	Hosts  map[string]HostResult // A/AAAA answers by SRV target name
	Dials  []DialResult          // every socket attempt, in order
	Answer *Answer               // the far end's final answer to the INVITE; nil until it came
}

// HostResult is the A/AAAA answer for one target.
type HostResult struct {
	Addrs []netip.Addr `json:"addrs,omitempty"`
	Error string       `json:"error,omitempty"`
}

// DialStage is how far a connection attempt got.
type DialStage string

// Stages of a dial.
const (
	DialConnectFailed DialStage = "connect-failed" // no TCP connection
	DialTLSFailed     DialStage = "tls-failed"     // TCP stood, the handshake did not complete
	DialEstablished   DialStage = "established"    // the handshake completed
)

// DialResult is one TCP and TLS attempt to an address of a target.
type DialResult struct {
	Target SRVTarget
	Addr   netip.AddrPort
	Stage  DialStage
	Cause  Winsock // why a failed stage failed
	Error  string
	// Chain is the server's, when the handshake got as far as its certificate.
	Chain []*x509.Certificate
}

// AnswerKind is how the INVITE ended at the far end.
type AnswerKind string

// Ends of an INVITE.
const (
	Answered       AnswerKind = "answered"
	Rejected       AnswerKind = "rejected"        // a final failure response
	ConnectionLost AnswerKind = "connection-lost" // the connection died before a final answer
	NoAnswer       AnswerKind = "no-answer"       // no final answer in time, or another transport failure
)

// Answer is the far end's final answer, or the lack of one.
type Answer struct {
	Kind        AnswerKind
	Status      int
	Reason      string
	Diagnostics string // the far end's ms-diagnostics value, "" when it sent none
	TLSAlert    bool   // the connection ended with a TLS alert: the far end refused the Edge's certificate late
	Error       string
}

// DecideOutbound applies §3 to what is known: the federation lists, SRV and the DNS rule, A/AAAA,
// TCP, TLS and the server certificate, then the far end's answer. Until the facts decide, the verdict
// is Pending on the next one; pending on NeedAnswer, every rule before the INVITE has passed.
func (p *Policy) DecideOutbound(f OutboundFacts) Verdict {
	v := p.decideOutbound(f)
	v.Domain = Normalize(f.Domain)
	return v
}

func (p *Policy) decideOutbound(f OutboundFacts) Verdict {
	t := make(trace, 0, 8) // one allocation: a Rule is large, and growing the slice copies them
	d := Normalize(f.Domain)
	rt, denied := p.listsRule(&t, d, outboundSections)
	if denied != nil {
		return *denied
	}
	var targets []SRVTarget
	if rt.proxyFQDN != "" {
		targets = []SRVTarget{{Target: rt.proxyFQDN, Port: rt.proxyPort}}
	} else {
		if f.SRV == nil {
			return t.pending(Need{Fact: NeedSRV, Domain: d})
		}
		in, refused := srvRules(&t, d, *f.SRV, outboundSections)
		if refused != nil {
			return *refused
		}
		targets = in
	}
	dial, v, done := reachRules(&t, f, targets)
	if done {
		return v
	}
	return p.afterHandshake(t, f, d, dial)
}

// reachRules walks the targets in order, each one's addresses in turn, until a TCP connection stands
// (§3 steps 3–4). It returns that dial, or the verdict: pending on a fact, or the refusal.
func reachRules(t *trace, f OutboundFacts, targets []SRVTarget) (DialResult, Verdict, bool) {
	var hostFail, connFail *DialResult
	var hostErr string
	for _, tg := range targets {
		h, ok := f.Hosts[tg.Target]
		if !ok {
			return DialResult{}, t.pending(Need{Fact: NeedHost, Target: tg}), true
		}
		ar := Rule{Name: RuleAddress, Section: "§3.3", Inputs: Inputs{Target: tg.HostPort(), Addresses: addrStrings(h.Addrs), Error: h.Error}}
		if h.Error != "" || len(h.Addrs) == 0 {
			ar.Outcome, ar.Detail = Fail, orText(h.Error, "no addresses")
			t.add(ar)
			if hostFail == nil {
				hostFail, hostErr = &DialResult{Target: tg}, ar.Detail
			}
			continue
		}
		ar.Outcome, ar.Detail = Pass, tg.Target+" → "+strings.Join(ar.Inputs.Addresses, ", ")
		t.add(ar)
		for _, a := range h.Addrs {
			ap := netip.AddrPortFrom(a, tg.Port)
			dr, ok := findDial(f.Dials, tg, ap)
			if !ok {
				return DialResult{}, t.pending(Need{Fact: NeedDial, Target: tg, Addr: ap}), true
			}
			cr := Rule{Name: RuleConnect, Section: "§3.4", Inputs: Inputs{Target: tg.HostPort(), Address: ap.String()}}
			if dr.Stage == DialConnectFailed {
				cr.Outcome, cr.Detail = Fail, dr.Error
				t.add(cr)
				if connFail == nil {
					connFail = &dr
				}
				continue
			}
			cr.Outcome, cr.Detail = Pass, "connected to "+ap.String()
			t.add(cr)
			return dr, Verdict{}, false
		}
	}
	last := len(*t) - 1
	if connFail != nil {
		v := connectFailed(connFail.Target.HostPort(), connFail.Cause, connFail.Error)
		v.Target = &connFail.Target
		return DialResult{}, t.refusedAt(v, last), true
	}
	if hostFail == nil { // no targets at all: the lists or the DNS rule refuse before this
		return DialResult{}, badRequest("no target to reach"), true
	}
	v := noARecord(hostFail.Target.Target, hostErr)
	v.Target = &hostFail.Target
	return DialResult{}, t.refusedAt(v, last), true
}

// afterHandshake judges the TLS handshake and the certificate (§3 steps 5–6), then the answer (step 7).
func (p *Policy) afterHandshake(t trace, f OutboundFacts, d string, dr DialResult) Verdict {
	tg := dr.Target
	peer := presented(dr.Chain)
	mark := func(v Verdict) Verdict { v.Target, v.PeerServer = &tg, peer; return v }
	tr := Rule{Name: RuleTLS, Section: "§3.5", Inputs: Inputs{Target: tg.HostPort(), Address: dr.Addr.String(), Error: dr.Error}}
	if len(dr.Chain) > 0 {
		v, cr := p.CheckPeer(dr.Chain, []string{tg.Target}, x509.ExtKeyUsageServerAuth, f.Now)
		cr.Section = "§3.6"
		if !v.Allow {
			tr.Outcome, tr.Detail = Pass, "the handshake reached the server certificate"
			t.add(tr)
			v.Trace = append(t, cr)
			return mark(v)
		}
		if dr.Stage == DialTLSFailed { // the far end refused the Edge after its certificate passed
			tr.Detail = orText(dr.Error, "the far end ended the handshake")
			t.add(cr)
			return mark(t.refused(tlsFailed(tg.HostPort(), dr.Cause, dr.Error), tr))
		}
		tr.Outcome, tr.Detail = Pass, "the handshake completed"
		t.add(tr)
		t.add(cr)
	} else {
		tr.Detail = orText(dr.Error, "the handshake did not complete")
		return mark(t.refused(tlsFailed(tg.HostPort(), dr.Cause, dr.Error), tr))
	}
	if f.Answer == nil {
		return mark(t.pending(Need{Fact: NeedAnswer, Target: tg, Addr: dr.Addr}))
	}
	return mark(answerRule(t, d, tg, peer, *f.Answer))
}

// answerRule is §3 step 7: the far end's answer goes on to the Skype user; a failure without
// ms-diagnostics gets 1034, and a connection the far end ended with a TLS alert is 1047.
func answerRule(t trace, d string, tg SRVTarget, peer string, a Answer) Verdict {
	resp := ""
	if a.Status > 0 {
		resp = strconv.Itoa(a.Status) + " " + a.Reason
	}
	r := Rule{Name: RuleFarEndAnswer, Section: "§3.7", Inputs: Inputs{Target: tg.HostPort(), Response: resp, Error: a.Error}}
	switch {
	case a.Kind == Answered:
		r.Outcome, r.Detail = Pass, "answered "+resp
		t.add(r)
		return Verdict{Allow: true, Status: a.Status, Reason: a.Reason, MatchedFQDN: tg.Target, Trace: t}
	case a.Kind == Rejected && a.Diagnostics != "":
		r.Outcome, r.Detail = Pass, "refused "+resp+" with its own ms-diagnostics"
		t.add(r)
		return Verdict{Status: a.Status, Reason: a.Reason, FarEndDiagnostic: a.Diagnostics, Trace: t}
	case a.Kind == Rejected:
		r.Detail = "refused " + resp + " without ms-diagnostics"
		return t.refused(farEndNoDiagnostics(d, peer, a.Status, a.Reason, ""), r)
	case a.Kind == ConnectionLost && a.TLSAlert:
		// TLS 1.3 finishes the client's handshake before the server judges the Edge's certificate.
		r.Detail = "the far end ended the connection with a TLS alert: " + a.Error
		return t.refused(tlsFailed(tg.HostPort(), WSAECONNRESET, a.Error), r)
	}
	r.Detail = string(a.Kind) + ": " + a.Error
	return t.refused(farEndNoDiagnostics(d, peer, 504, "Server time-out", a.Error), r)
}

// refusedAt is v with the trace so far, the rule at i named as the one that refused.
func (t trace) refusedAt(v Verdict, i int) Verdict {
	v.Trace = append(trace(nil), t...)
	if i >= 0 && i < len(v.Trace) {
		v.Trace[i].Row = v.Row
	}
	return v
}

func findDial(ds []DialResult, tg SRVTarget, ap netip.AddrPort) (DialResult, bool) {
	for _, d := range ds {
		if d.Target == tg && d.Addr == ap {
			return d, true
		}
	}
	return DialResult{}, false
}

func addrStrings(as []netip.Addr) []string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return s
}

func orText(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
