package sipstack

import (
	"context"
	"crypto/x509"
	"net/netip"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// Request is what the Edge's decision needs to know about one request, in plain values.
type Request struct {
	Method         string
	StartLine      string // INVITE sip:stejanss@skype.lab SIP/2.0
	RequestURIUser string
	RequestURIHost string
	FromUser       string
	FromHost       string
	PAIHost        string // P-Asserted-Identity host, "" when absent
	CallID         string
	CSeq           string // 2066245576 INVITE
	Source         netip.AddrPort
	ConnID         uint64
	PeerChain      []*x509.Certificate // from the connection that delivered the request
}

// Decision is what to do with a new request; the SIP layer carries it out and knows nothing of why.
type Decision struct {
	Allow   bool
	Status  int
	Reason  string
	Headers []Header // extra headers of a refusal, e.g. ms-diagnostics
	// Later says the Decider cannot decide without waiting (a DNS server to ask) and was asked on
	// a connection's reader (OnReader): the SIP layer asks again where waiting is allowed.
	Later bool
}

type onReaderKey struct{}

// OnReader reports a Decide called on the connection's reader, where it must not wait on the
// network: every later message of that connection would wait with it. It may answer Later.
func OnReader(ctx context.Context) bool { return ctx.Value(onReaderKey{}) != nil }

// Header is one header line to add to a response.
type Header struct{ Name, Value string }

// Decider judges new out-of-dialog requests (INVITE, MESSAGE, SUBSCRIBE, OPTIONS).
type Decider interface {
	Decide(ctx context.Context, r *Request) Decision
}

// DeciderFunc adapts a function to Decider.
type DeciderFunc func(ctx context.Context, r *Request) Decision

// Decide calls f.
func (f DeciderFunc) Decide(ctx context.Context, r *Request) Decision { return f(ctx, r) }

func requestFacts(req *sip.Request) *Request {
	r := &Request{
		Method:         string(req.Method),
		StartLine:      req.StartLine(),
		RequestURIUser: req.Recipient.User,
		RequestURIHost: req.Recipient.Host,
	}
	if f := req.From(); f != nil {
		r.FromUser, r.FromHost = f.Address.User, f.Address.Host
	}
	if h := req.GetHeader("P-Asserted-Identity"); h != nil {
		r.PAIHost = paiHost(h.Value())
	}
	if c := req.CallID(); c != nil {
		r.CallID = c.Value()
	}
	if c := req.CSeq(); c != nil {
		r.CSeq = cseqValue(c)
	}
	if ap, err := netip.ParseAddrPort(req.Source()); err == nil {
		r.Source = ap
	}
	return r
}

// cseqValue is c.Value() ("2066245576 INVITE") without its fmt.Sprintf, which cost more than the
// rest of a request's facts together; the text is the same.
func cseqValue(c *sip.CSeqHeader) string {
	return strconv.FormatUint(uint64(c.SeqNo), 10) + " " + string(c.MethodName)
}

// paiHost takes the host of the first SIP URI in a P-Asserted-Identity value; a tel: identity has none.
func paiHost(v string) string {
	for _, part := range strings.Split(v, ",") {
		var u sip.Uri
		var params sip.HeaderParams
		if _, err := sip.ParseAddressValue(strings.TrimSpace(part), &u, &params); err == nil && u.Host != "" && !strings.EqualFold(u.Scheme, "tel") {
			return u.Host
		}
	}
	return ""
}
