package policy

import (
	"crypto/x509"
	"slices"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
)

func srvOK(targets ...string) SRVResult {
	r := SRVResult{}
	for i, t := range targets {
		r.Targets = append(r.Targets, SRVTarget{Target: t, Port: 5061, Priority: uint16(i)})
	}
	return r
}

func TestInDomain(t *testing.T) {
	tests := []struct {
		target, domain string
		want           bool
	}{
		{"vcse.cms.steven.lab", "cms.steven.lab", true},
		{"VCSE.CMS.Steven.Lab.", "cms.steven.lab.", true},
		{"vcse.sub.cms.steven.lab", "cms.steven.lab", false},
		{"vcse.steven.lab", "acano.steven.lab", false},
		{"cms.steven.lab", "cms.steven.lab", false},
		{"steven.lab", "cms.steven.lab", false},
		{".cms.steven.lab", "cms.steven.lab", false},
		{"vcse.cms.steven.lab", "", false},
	}
	for _, tc := range tests {
		if got := InDomain(tc.target, tc.domain); got != tc.want {
			t.Errorf("InDomain(%q, %q) = %v, want %v", tc.target, tc.domain, got, tc.want)
		}
	}
}

// One row per behaviour of docs/edge-behaviour.md §2 on the pure inbound policy.
func TestDecideInbound(t *testing.T) {
	p := newTestPKI(t)
	now := time.Now()
	acanoGood := p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	vcseOnly := p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.steven.lab"})
	type want struct {
		allow     bool
		status    int
		code      int
		row       RowID
		matched   string
		attrs     []Attr
		errorType string
	}
	base := func() *Policy {
		return &Policy{FQDN: "sip.skype.lab", Domains: []string{"skype.lab"}, Roots: p.LabRoots, PartnerDiscovery: true}
	}
	req := func(from string, chain []*x509.Certificate) InboundFacts {
		return InboundFacts{RequestURIUser: "stejanss", RequestURIHost: "skype.lab", FromHost: from, PeerChain: chain}
	}
	tests := []struct {
		name   string
		policy func() *Policy
		req    InboundFacts
		srv    SRVResult
		want   want
	}{
		{"correct SRV and certificate", base, req("acano.steven.lab", acanoGood), srvOK("vcse.acano.steven.lab"),
			want{allow: true, status: 200, matched: "vcse.acano.steven.lab"}},
		{"SRV points to another domain", base, req("acano.steven.lab", vcseOnly), srvOK("vcse.steven.lab."),
			want{status: 504, code: 1009, row: "1009",
				attrs: []Attr{{"domain", "acano.steven.lab"}, {"fqdn1", "vcse.steven.lab:5061"}}}},
		{"SRV points to a subdomain", base, req("cms.steven.lab", vcseOnly), srvOK("vcse.sub.cms.steven.lab"),
			want{status: 504, code: 1009, row: "1009",
				attrs: []Attr{{"domain", "cms.steven.lab"}, {"fqdn1", "vcse.sub.cms.steven.lab:5061"}}}},
		{"SRV target is the domain itself", base, req("cms.steven.lab", vcseOnly), srvOK("cms.steven.lab"),
			want{status: 504, code: 1009, row: "1009"}},
		{"no SRV record", base, req("acano.steven.lab", acanoGood), SRVResult{Error: "NXDOMAIN"},
			want{status: 504, code: 1008, row: "1008", attrs: []Attr{{"domain", "acano.steven.lab"}}}},
		{"empty SRV answer", base, req("acano.steven.lab", acanoGood), SRVResult{},
			want{status: 504, code: 1008, row: "1008"}},
		{"IP-literal From host", base, req("192.0.2.7", acanoGood), srvOK("vcse.acano.steven.lab"),
			want{status: 504, code: 1008, row: "1008"}},
		{"certificate lacks the SRV FQDN", base, req("acano.steven.lab", vcseOnly), srvOK("vcse.acano.steven.lab"),
			want{status: 504, code: 1010, row: "1010-wrong-principal", errorType: "The peer certificate does not contain a matching FQDN",
				attrs: []Attr{{"ErrorType", "The peer certificate does not contain a matching FQDN"}, {"tls-target", "vcse.acano.steven.lab"},
					{"PeerServer", "vcse.steven.lab"}, {"HRESULT", "0x80090322(SEC_E_WRONG_PRINCIPAL)"}}}},
		{"untrusted CA", base, req("acano.steven.lab", p.Chain(certs.IssuerUntrusted, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})),
			srvOK("vcse.acano.steven.lab"), want{status: 504, code: 1010, row: "1010-untrusted-root", errorType: "The certificate chain was issued by an authority that is not trusted"}},
		{"expired certificate", base, req("acano.steven.lab", p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab", Expired: true})),
			srvOK("vcse.acano.steven.lab"), want{status: 504, code: 1010, row: "1010-expired", errorType: "The received certificate has expired"}},
		{"client certificate without clientAuth (if the handshake let it by)", base,
			req("acano.steven.lab", p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab", EKU: certs.EKUServer})),
			srvOK("vcse.acano.steven.lab"), want{status: 504, code: 1010, row: "1010-wrong-usage", errorType: "The certificate is not valid for the requested usage"}},
		{"chain sent without its intermediate", base,
			req("acano.steven.lab", p.ViaIntermediate(certs.LeafRequest{CommonName: "vcse.acano.steven.lab", OmitIntermediate: true})),
			srvOK("vcse.acano.steven.lab"), want{status: 504, code: 1010, row: "1010-incomplete-chain", errorType: "A certificate chain could not be built to a trusted root authority"}},
		{"chain without its intermediate, the store holds it", func() *Policy { q := base(); q.Roots = p.WithIntermediate(); return q },
			req("acano.steven.lab", p.ViaIntermediate(certs.LeafRequest{CommonName: "vcse.acano.steven.lab", OmitIntermediate: true})),
			srvOK("vcse.acano.steven.lab"), want{allow: true, status: 200, matched: "vcse.acano.steven.lab"}},
		{"chain with its intermediate", base,
			req("acano.steven.lab", p.ViaIntermediate(certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})),
			srvOK("vcse.acano.steven.lab"), want{allow: true, status: 200, matched: "vcse.acano.steven.lab"}},
		{"SHA-1 signed leaf", base,
			req("acano.steven.lab", p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab", SHA1: true})),
			srvOK("vcse.acano.steven.lab"), want{status: 504, code: 1010, row: "1010-weak-signature"}},
		{"self-signed leaf (the Expressway's factory certificate)", base,
			req("acano.steven.lab", p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab", SelfSigned: true})),
			srvOK("vcse.acano.steven.lab"), want{status: 504, code: 1010, row: "1010-untrusted-root"}},
		{"CN-only certificate without SAN is accepted", base,
			req("acano.steven.lab", p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab", NoSAN: true})),
			srvOK("vcse.acano.steven.lab"), want{allow: true, status: 200, matched: "vcse.acano.steven.lab"}},
		{"SAN present and the FQDN only in the CN", base,
			req("acano.steven.lab", p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab", SANs: []string{"vcse.steven.lab"}})),
			srvOK("vcse.acano.steven.lab"), want{status: 504, code: 1010, row: "1010-wrong-principal"}},
		{"wildcard SAN", base,
			req("acano.steven.lab", p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.steven.lab", SANs: []string{"*.acano.steven.lab"}})),
			srvOK("vcse.acano.steven.lab"), want{status: 504, code: 1010, row: "1010-wrong-principal"}},
		{"several SRV targets, one in the domain", base, req("acano.steven.lab", acanoGood),
			srvOK("vcse.steven.lab", "edge.example.com", "vcse.acano.steven.lab"), want{allow: true, status: 200, matched: "vcse.acano.steven.lab"}},
		{"several SRV targets, none in the domain", base, req("acano.steven.lab", acanoGood), srvOK("vcse.steven.lab", "vcse.sub.acano.steven.lab"),
			want{status: 504, code: 1009, row: "1009",
				attrs: []Attr{{"domain", "acano.steven.lab"}, {"fqdn1", "vcse.steven.lab:5061"}, {"fqdn2", "vcse.sub.acano.steven.lab:5061"}}}},
		{"office365 profile refuses the lab CA", func() *Policy { q := base(); q.Roots = p.PublicRoots; return q },
			req("acano.steven.lab", acanoGood), srvOK("vcse.acano.steven.lab"),
			want{status: 504, code: 1010, row: "1010-untrusted-root"}},
		{"office365 profile accepts a public CA", func() *Policy { q := base(); q.Roots = p.PublicRoots; return q },
			req("acano.steven.lab", p.Chain(certs.IssuerPublic, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})), srvOK("vcse.acano.steven.lab"),
			want{allow: true, status: 200, matched: "vcse.acano.steven.lab"}},
		{"P-Asserted-Identity wins over From", base,
			InboundFacts{RequestURIUser: "stejanss", RequestURIHost: "skype.lab", FromHost: "steven.lab", PAIHost: "acano.steven.lab", PeerChain: acanoGood},
			srvOK("vcse.acano.steven.lab"), want{allow: true, status: 200, matched: "vcse.acano.steven.lab"}},
		{"blocked domain", func() *Policy { q := base(); q.Blocked = []string{"Acano.Steven.Lab"}; return q },
			req("acano.steven.lab", acanoGood), srvOK("vcse.acano.steven.lab"),
			want{status: 403, code: 1002, row: "1002-blocked"}},
		{"discovery off and domain not allowed", func() *Policy { q := base(); q.PartnerDiscovery = false; return q },
			req("acano.steven.lab", acanoGood), srvOK("vcse.acano.steven.lab"),
			want{status: 403, code: 1002, row: "1002-not-allowed"}},
		{"allowed domain with proxy FQDN needs no SRV", func() *Policy {
			q := base()
			q.PartnerDiscovery = false
			q.Allowed = map[string]string{"acano.steven.lab": "vcse.steven.lab"}
			return q
		}, req("acano.steven.lab", vcseOnly), SRVResult{Error: "not asked"},
			want{allow: true, status: 200, matched: "vcse.steven.lab"}},
		{"allowed domain with proxy FQDN, certificate names something else", func() *Policy {
			q := base()
			q.Allowed = map[string]string{"acano.steven.lab": "vcse.steven.lab"}
			return q
		}, req("acano.steven.lab", acanoGood), SRVResult{},
			want{status: 504, code: 1010, row: "1010-wrong-principal"}},
		{"request for a domain the Edge does not serve", base,
			InboundFacts{RequestURIUser: "bob", RequestURIHost: "other.lab", FromHost: "acano.steven.lab", PeerChain: acanoGood},
			srvOK("vcse.acano.steven.lab"), want{status: 404, code: 1003, row: "1003"}},
		{"unknown user when users are listed", func() *Policy { q := base(); q.Users = []string{"sip:alice@skype.lab"}; return q },
			req("acano.steven.lab", acanoGood), srvOK("vcse.acano.steven.lab"), want{status: 404, code: 1003, row: "1003"}},
		{"known user when users are listed", func() *Policy { q := base(); q.Users = []string{"stejanss@skype.lab"}; return q },
			req("acano.steven.lab", acanoGood), srvOK("vcse.acano.steven.lab"), want{allow: true, status: 200, matched: "vcse.acano.steven.lab"}},
		{"no client certificate", base, req("acano.steven.lab", nil), srvOK("vcse.acano.steven.lab"),
			want{status: 504, code: 1010, row: "1010-no-certificate"}},
		{"no From domain", base, req("", acanoGood), srvOK(), want{status: 400}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.req
			srv := tc.srv
			f.SRV, f.Now = &srv, now
			v := tc.policy().DecideInbound(f)
			checkTrace(t, v)
			if v.Allow != tc.want.allow || v.Status != tc.want.status {
				t.Fatalf("allow=%v status=%d, want allow=%v status=%d (%+v)", v.Allow, v.Status, tc.want.allow, tc.want.status, v.Diagnostic)
			}
			if v.MatchedFQDN != tc.want.matched {
				t.Errorf("matched %q, want %q", v.MatchedFQDN, tc.want.matched)
			}
			if tc.want.code == 0 {
				if v.Diagnostic != nil {
					t.Errorf("unexpected diagnostic %d", v.Diagnostic.Code)
				}
				return
			}
			if v.Diagnostic == nil || v.Diagnostic.Code != tc.want.code {
				t.Fatalf("diagnostic %+v, want code %d", v.Diagnostic, tc.want.code)
			}
			if v.Row != tc.want.row || v.Record == nil || v.Record.Result != mustRow(tc.want.row).Result {
				t.Errorf("row %q record %+v, want row %s", v.Row, v.Record, tc.want.row)
			}
			if tc.want.attrs != nil && !equalAttrs(v.Diagnostic.Attrs, tc.want.attrs) {
				t.Errorf("attrs %q, want %q", v.Diagnostic.Attrs, tc.want.attrs)
			}
			if tc.want.errorType != "" && v.Diagnostic.Attr("ErrorType") != tc.want.errorType {
				t.Errorf("ErrorType %q, want %q", v.Diagnostic.Attr("ErrorType"), tc.want.errorType)
			}
		})
	}
}

func equalAttrs(a, b []Attr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The targets are tried in RFC 2782 order, and a proxy FQDN replaces the SRV lookup.
func TestOutboundTargetsOrder(t *testing.T) {
	pol := &Policy{PartnerDiscovery: true}
	srv := &SRVResult{Targets: []SRVTarget{
		{Target: "b.cms.steven.lab", Port: 5061, Priority: 10, Weight: 1},
		{Target: "a.cms.steven.lab", Port: 5061, Priority: 10, Weight: 50},
		{Target: "x.other.lab", Port: 5061, Priority: 0},
		{Target: "c.cms.steven.lab", Port: 5062, Priority: 5},
	}}
	if got := askedHosts(t, pol, OutboundFacts{Domain: "cms.steven.lab", SRV: srv}); !slices.Equal(got, []string{"c.cms.steven.lab:5062", "a.cms.steven.lab:5061", "b.cms.steven.lab:5061"}) {
		t.Errorf("order %v", got)
	}
	proxied := &Policy{Allowed: map[string]string{"a.lab": "edge.a.lab", "b.lab": "Edge.B.Lab.:5062"}}
	if got := askedHosts(t, proxied, OutboundFacts{Domain: "a.lab"}); !slices.Equal(got, []string{"edge.a.lab:5061"}) {
		t.Errorf("proxy without port: %v", got)
	}
	if got := askedHosts(t, proxied, OutboundFacts{Domain: "b.lab"}); !slices.Equal(got, []string{"edge.b.lab:5062"}) {
		t.Errorf("proxy with port: %v", got)
	}
	if rt := proxied.route("b.lab"); rt.proxyFQDN != "edge.b.lab" {
		t.Errorf("inbound expects %q, want the host alone", rt.proxyFQDN)
	}
}

// askedHosts answers every A/AAAA question with NXDOMAIN and returns the targets asked about, in order.
func askedHosts(t *testing.T, p *Policy, f OutboundFacts) []string {
	t.Helper()
	f.Hosts = map[string]HostResult{}
	var asked []string
	for range 10 {
		v := p.DecideOutbound(f)
		if v.Decided() {
			if v.Row != "1014" {
				t.Fatalf("decided %q, want 1014 once every target failed", v.Row)
			}
			return asked
		}
		if v.Pending.Fact != NeedHost {
			t.Fatalf("pending on %s, want host", v.Pending.Fact)
		}
		asked = append(asked, v.Pending.Target.HostPort())
		f.Hosts[v.Pending.Target.Target] = HostResult{Error: "NXDOMAIN"}
	}
	t.Fatal("the policy kept asking")
	return nil
}

func TestDiagnosticCode(t *testing.T) {
	for in, want := range map[string]int{`1009;reason="x"`: 1009, "1034": 1034, "": 0, "abc;x": 0, " 1010 ;": 1010} {
		if got := DiagnosticCode(in); got != want {
			t.Errorf("DiagnosticCode(%q) = %d, want %d", in, got, want)
		}
	}
}

// Inside the handshake only the client certificate's usage is judged: the rest waits for SIP.
func TestDecideHandshake(t *testing.T) {
	p := newTestPKI(t)
	pol := &Policy{FQDN: "sip.skype.lab", Roots: p.LabRoots}
	for _, tt := range []struct {
		name  string
		chain []*x509.Certificate
		allow bool
	}{
		{"both usages", p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}), true},
		{"clientAuth only", p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab", EKU: certs.EKUClient}), true},
		{"untrusted: judged at SIP level", p.Chain(certs.IssuerUntrusted, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}), true},
		{"no certificate: the TLS stack's business", nil, true},
		{"serverAuth only", p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab", EKU: certs.EKUServer}), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := pol.DecideHandshake(tt.chain, time.Now())
			if v.Allow != tt.allow {
				t.Fatalf("allow %v, want %v", v.Allow, tt.allow)
			}
			if tt.allow {
				return
			}
			if v.Row != "1010-wrong-usage" || v.Status != 0 || v.Diagnostic != nil || v.Record == nil {
				t.Fatalf("verdict %+v: want the wrong-usage record and no SIP answer", v)
			}
			if got := v.Record.DataLine(); got != `certName="vcse.acano.steven.lab";required-usage="clientAuth";info="The certificate is not valid for the requested usage"` {
				t.Errorf("Data %s", got)
			}
			if len(v.Trace) != 1 || v.Trace[0].Name != RuleTLS || v.Trace[0].Outcome != Fail {
				t.Errorf("trace %+v", v.Trace)
			}
		})
	}
}
