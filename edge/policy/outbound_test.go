package policy

import (
	"crypto/x509"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
)

var (
	cmsTarget = SRVTarget{Target: "vcse.cms.steven.lab", Port: 5061}
	cmsAddr   = netip.MustParseAddrPort("127.0.0.2:5061")
)

// outboundCase is one behaviour of §3: the facts as the I/O code would have gathered them, and the
// verdict they must give.
type outboundCase struct {
	name   string
	policy func(*Policy)
	facts  OutboundFacts
	allow  bool
	row    RowID
	status int
	attrs  map[string]string // ms-diagnostics attributes that must be present with these values
	data   map[string]string // Edge-log Data attributes likewise
	// pending: the fact the verdict must still wait for, "" for a decided one.
	pending FactKind
}

func outboundCases(p *testPKI) []outboundCase {
	good := p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab"})
	wrong := p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.steven.lab"})
	untrusted := p.Chain(certs.IssuerUntrusted, certs.LeafRequest{CommonName: "vcse.cms.steven.lab"})
	expired := p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab", Expired: true})
	clientOnly := p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab", EKU: certs.EKUClient})
	noInter := p.ViaIntermediate(certs.LeafRequest{CommonName: "vcse.cms.steven.lab", OmitIntermediate: true})
	sha1Leaf := p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab", SHA1: true})
	selfSigned := p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab", SelfSigned: true})
	srv := func(targets ...string) *SRVResult {
		r := &SRVResult{}
		for _, t := range targets {
			r.Targets = append(r.Targets, SRVTarget{Target: t, Port: 5061})
		}
		return r
	}
	hosts := map[string]HostResult{"vcse.cms.steven.lab": {Addrs: []netip.Addr{cmsAddr.Addr()}}}
	dialed := func(d DialResult) []DialResult { d.Target, d.Addr = cmsTarget, cmsAddr; return []DialResult{d} }
	up := dialed(DialResult{Stage: DialEstablished, Chain: good})
	tlsCert := func(chain []*x509.Certificate) []DialResult {
		return dialed(DialResult{Stage: DialTLSFailed, Chain: chain})
	}
	reached := func(a *Answer) OutboundFacts {
		return OutboundFacts{Domain: "cms.steven.lab", SRV: srv("vcse.cms.steven.lab"), Hosts: hosts, Dials: up, Answer: a}
	}
	return []outboundCase{
		{name: "blocked domain", policy: func(q *Policy) { q.Blocked = []string{"cms.steven.lab"} },
			facts: OutboundFacts{Domain: "cms.steven.lab"}, row: "1002-blocked", status: 403},
		{name: "not allowed with discovery off", policy: func(q *Policy) { q.PartnerDiscovery = false },
			facts: OutboundFacts{Domain: "cms.steven.lab"}, row: "1002-not-allowed", status: 403},
		{name: "asks for the SRV record first", facts: OutboundFacts{Domain: "cms.steven.lab"}, pending: NeedSRV},
		{name: "no SRV record", facts: OutboundFacts{Domain: "cms.steven.lab", SRV: &SRVResult{Error: "NXDOMAIN"}},
			row: "1008", status: 504, attrs: map[string]string{"domain": "cms.steven.lab"}, data: map[string]string{"info": "NXDOMAIN"}},
		{name: "SRV target in a subdomain (the seed)", facts: OutboundFacts{Domain: "cms.steven.lab", SRV: srv("vcse.sub.cms.steven.lab")},
			row: "1009", status: 504, attrs: map[string]string{"fqdn1": "vcse.sub.cms.steven.lab:5061"}},
		{name: "asks for the target's addresses", facts: OutboundFacts{Domain: "cms.steven.lab", SRV: srv("vcse.cms.steven.lab")}, pending: NeedHost},
		{name: "target without A/AAAA", facts: OutboundFacts{Domain: "cms.steven.lab", SRV: srv("vcse.cms.steven.lab"),
			Hosts: map[string]HostResult{"vcse.cms.steven.lab": {Error: "NXDOMAIN"}}},
			row: "1014", status: 504, attrs: map[string]string{"fqdn": "vcse.cms.steven.lab"}},
		{name: "asks to dial the address", facts: OutboundFacts{Domain: "cms.steven.lab", SRV: srv("vcse.cms.steven.lab"), Hosts: hosts}, pending: NeedDial},
		{name: "connection refused", facts: OutboundFacts{Domain: "cms.steven.lab", SRV: srv("vcse.cms.steven.lab"), Hosts: hosts,
			Dials: dialed(DialResult{Stage: DialConnectFailed, Cause: WSAECONNREFUSED, Error: "connect: connection refused"})},
			row: "1046", status: 504, attrs: map[string]string{"fqdn": "vcse.cms.steven.lab:5061", "WinsockFailureCode": "10061(WSAECONNREFUSED)"},
			data: map[string]string{"info": "connect: connection refused"}},
		{name: "TLS reset before any certificate", facts: OutboundFacts{Domain: "cms.steven.lab", SRV: srv("vcse.cms.steven.lab"), Hosts: hosts,
			Dials: dialed(DialResult{Stage: DialTLSFailed, Cause: WSAECONNRESET, Error: "EOF"})},
			row: "1047", status: 504, attrs: map[string]string{"WinsockFailureCode": "10054(WSAECONNRESET)"}},
		{name: "far end refuses the Edge's certificate in the handshake", facts: OutboundFacts{Domain: "cms.steven.lab",
			SRV: srv("vcse.cms.steven.lab"), Hosts: hosts, Dials: dialed(DialResult{Stage: DialTLSFailed, Cause: WSAECONNRESET, Chain: good, Error: "remote error: tls: bad certificate"})},
			row: "1047", status: 504, data: map[string]string{"info": "remote error: tls: bad certificate"}},
		{name: "server certificate lacks the target", facts: OutboundFacts{Domain: "cms.steven.lab", SRV: srv("vcse.cms.steven.lab"), Hosts: hosts,
			Dials: dialed(DialResult{Stage: DialTLSFailed, Chain: wrong})},
			row: "1010-wrong-principal", status: 504, attrs: map[string]string{"tls-target": "vcse.cms.steven.lab", "PeerServer": "vcse.steven.lab"}},
		{name: "server certificate from an untrusted CA", facts: OutboundFacts{Domain: "cms.steven.lab", SRV: srv("vcse.cms.steven.lab"), Hosts: hosts,
			Dials: dialed(DialResult{Stage: DialTLSFailed, Chain: untrusted})}, row: "1010-untrusted-root", status: 504},
		{name: "server certificate expired", facts: OutboundFacts{Domain: "cms.steven.lab", SRV: srv("vcse.cms.steven.lab"), Hosts: hosts,
			Dials: dialed(DialResult{Stage: DialTLSFailed, Chain: expired})}, row: "1010-expired", status: 504,
			attrs: map[string]string{"HRESULT": "0x80090328(SEC_E_CERT_EXPIRED)"}},
		{name: "server certificate without serverAuth", facts: OutboundFacts{Domain: "cms.steven.lab", SRV: srv("vcse.cms.steven.lab"), Hosts: hosts,
			Dials: tlsCert(clientOnly)}, row: "1010-wrong-usage", status: 504,
			attrs: map[string]string{"HRESULT": "0x800B0110(CERT_E_WRONG_USAGE)"},
			data:  map[string]string{"expected-fqdn": "vcse.cms.steven.lab", "required-usage": "serverAuth"}},
		{name: "server chain without its intermediate", facts: OutboundFacts{Domain: "cms.steven.lab", SRV: srv("vcse.cms.steven.lab"), Hosts: hosts,
			Dials: tlsCert(noInter)}, row: "1010-incomplete-chain", status: 504, attrs: map[string]string{"HRESULT": "0x800B010A(CERT_E_CHAINING)"}},
		{name: "server chain without its intermediate, the store holds it", policy: func(q *Policy) { q.Roots = p.WithIntermediate() },
			facts:   OutboundFacts{Domain: "cms.steven.lab", SRV: srv("vcse.cms.steven.lab"), Hosts: hosts, Dials: dialed(DialResult{Stage: DialEstablished, Chain: noInter})},
			pending: NeedAnswer},
		{name: "server certificate signed with SHA-1", facts: OutboundFacts{Domain: "cms.steven.lab", SRV: srv("vcse.cms.steven.lab"), Hosts: hosts,
			Dials: tlsCert(sha1Leaf)}, row: "1010-weak-signature", status: 504, attrs: map[string]string{"HRESULT": "0x80090331(SEC_E_ALGORITHM_MISMATCH)"}},
		{name: "self-signed server certificate (factory default)", facts: OutboundFacts{Domain: "cms.steven.lab", SRV: srv("vcse.cms.steven.lab"), Hosts: hosts,
			Dials: tlsCert(selfSigned)}, row: "1010-untrusted-root", status: 504, attrs: map[string]string{"HRESULT": "0x80090325(SEC_E_UNTRUSTED_ROOT)"}},
		{name: "every rule passed: the INVITE may go", facts: reached(nil), pending: NeedAnswer},
		{name: "answered", facts: reached(&Answer{Kind: Answered, Status: 200, Reason: "OK"}), allow: true, status: 200},
		{name: "far end refuses with its own diagnostics", facts: reached(&Answer{Kind: Rejected, Status: 404, Reason: "Not Found",
			Diagnostics: `1003;reason="User does not exist"`}), status: 404},
		{name: "far end refuses without diagnostics", facts: reached(&Answer{Kind: Rejected, Status: 486, Reason: "Busy Here"}),
			row: "1034", status: 486, attrs: map[string]string{"Domain": "cms.steven.lab", "PeerServer": "vcse.cms.steven.lab"},
			data: map[string]string{"response": "486 Busy Here"}},
		{name: "far end never answers", facts: reached(&Answer{Kind: NoAnswer, Error: "no answer: timeout"}), row: "1034", status: 504,
			data: map[string]string{"response": "504 Server time-out", "info": "no answer: timeout"}},
		{name: "TLS 1.3 far end refuses the Edge's certificate after the handshake", facts: reached(&Answer{Kind: ConnectionLost, TLSAlert: true,
			Error: "connection lost: remote error: tls: bad certificate"}), row: "1047", status: 504},
		{name: "connection lost without an alert", facts: reached(&Answer{Kind: ConnectionLost, Error: "connection lost: EOF"}), row: "1034", status: 504},
	}
}

// One row per behaviour of §3 on the pure outbound policy.
func TestDecideOutbound(t *testing.T) {
	p := newTestPKI(t)
	for _, tc := range outboundCases(p) {
		t.Run(tc.name, func(t *testing.T) {
			pol := &Policy{FQDN: "sip.skype.lab", Domains: []string{"skype.lab"}, Roots: p.LabRoots, PartnerDiscovery: true}
			if tc.policy != nil {
				tc.policy(pol)
			}
			f := tc.facts
			f.Now = time.Now()
			v := pol.DecideOutbound(f)
			if tc.pending != "" {
				if v.Pending == nil || v.Pending.Fact != tc.pending {
					t.Fatalf("pending %+v, want %s", v.Pending, tc.pending)
				}
				return
			}
			if !v.Decided() {
				t.Fatalf("still pending on %s", v.Pending.Fact)
			}
			checkTrace(t, v)
			if v.Allow != tc.allow || v.Row != tc.row || v.Status != tc.status {
				t.Fatalf("allow=%v row=%q status=%d, want allow=%v row=%q status=%d", v.Allow, v.Row, v.Status, tc.allow, tc.row, tc.status)
			}
			for k, want := range tc.attrs {
				if got := v.Diagnostic.Attr(k); got != want {
					t.Errorf("ms-diagnostics %s=%q, want %q", k, got, want)
				}
			}
			for k, want := range tc.data {
				if got := (Diagnostic{Attrs: v.Record.Data}).Attr(k); got != want {
					t.Errorf("Edge-log Data %s=%q, want %q (%s)", k, got, want, v.Record.DataLine())
				}
			}
		})
	}
}

// The certificate rule's trace names what the Edge read, so a trainee sees the expected FQDN beside the SANs.
func TestCertificateTrace(t *testing.T) {
	p := newTestPKI(t)
	pol := &Policy{Roots: p.LabRoots, TrustAnchors: []string{p.LabCA.Cert.Subject.CommonName}}
	chain := p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.steven.lab"})
	v, r := pol.CheckPeer(chain, []string{"vcse.acano.steven.lab"}, x509.ExtKeyUsageClientAuth, time.Now())
	if v.Allow || r.Outcome != Fail || r.Row != "1010-wrong-principal" {
		t.Fatalf("verdict %+v rule %+v", v, r)
	}
	c := r.Inputs.Certificate
	if c == nil || c.SubjectCN != "vcse.steven.lab" || len(c.SANDNS) != 1 || c.Anchor != p.LabCA.Cert.Subject.CommonName {
		t.Fatalf("certificate facts %+v", c)
	}
	if r.Inputs.ExpectedFQDN[0] != "vcse.acano.steven.lab" || r.Inputs.Usage != "clientAuth" || len(r.Inputs.TrustAnchors) != 1 {
		t.Errorf("inputs %+v", r.Inputs)
	}
	want := map[string]Outcome{"name": Fail, "trust": Pass, "validity": Pass, "usage": Pass, "signature": Pass, "key": Pass, "chain": Pass}
	for _, ch := range r.Checks {
		if want[ch.Name] != ch.Outcome {
			t.Errorf("check %s = %s, want %s (%s)", ch.Name, ch.Outcome, want[ch.Name], ch.Detail)
		}
	}
	if !strings.Contains(r.Detail, "The peer certificate does not contain a matching FQDN") {
		t.Errorf("detail %q", r.Detail)
	}
}
