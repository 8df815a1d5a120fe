package edge

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge/policy"
)

// Golden cases are directories, one per behaviour and direction:
//
//	testdata/inbound/<code>-<name>/   facts.yaml  want.sip (the whole response on the wire)  want.log  want.trace.json
//	testdata/outbound/<code>-<name>/  facts.yaml  want.sip (the Skype client's view)         want.log  want.trace.json
//
// facts.yaml holds the facts in plain form (goldenFacts); certificates are lab-issue requests, issued
// afresh each run, so nothing a golden file holds may depend on their dates.
const (
	inboundCasesDir  = "testdata/inbound"
	outboundCasesDir = "testdata/outbound"
)

// goldenFacts is facts.yaml. Inbound uses from, pai, request_uri, srv and certificate; outbound
// callee, srv, hosts, dials and answer. Both may tweak the Edge's configuration.
type goldenFacts struct {
	Row  policy.RowID `yaml:"row"` // the catalogue row the facts must produce
	Edge goldenEdge   `yaml:"edge"`

	From        string     `yaml:"from"`        // user@host
	PAI         string     `yaml:"pai"`         // user@host of P-Asserted-Identity; "" for none
	RequestURI  string     `yaml:"request_uri"` // user@host
	Certificate goldenCert `yaml:"certificate"` // the peer's client certificate

	Callee string                `yaml:"callee"` // user@domain
	Hosts  map[string]goldenHost `yaml:"hosts"`  // A/AAAA answers by SRV target name
	Dials  []goldenDial          `yaml:"dials"`
	Answer *goldenAnswer         `yaml:"answer"`

	SRV *goldenSRV `yaml:"srv"` // nil: not looked up (the facts must decide before SRV)
}

// goldenEdge are tweaks to config.Default's edge section.
type goldenEdge struct {
	Blocked          []string               `yaml:"blocked"`
	Allowed          []config.AllowedDomain `yaml:"allowed"`
	PartnerDiscovery *bool                  `yaml:"partner_discovery"` // nil: the default, on
	Users            []string               `yaml:"users"`
	Diagnostics      string                 `yaml:"diagnostics"` // annotated (default) | faithful
	Trust            string                 `yaml:"trust"`       // onprem (default) | office365
}

// goldenCert is a lab-issue request; issuer none presents no certificate.
type goldenCert struct {
	Issuer  string   `yaml:"issuer"` // lab | untrusted | public | none
	CN      string   `yaml:"cn"`
	SANs    []string `yaml:"sans"`
	NoSAN   bool     `yaml:"no_san"`
	Expired bool     `yaml:"expired"`
	// The §7 variants: eku server|client|both, intermediate sent|omitted (lab issuer only),
	// sha1 leaf|intermediate, self_signed.
	EKU          string `yaml:"eku"`
	Intermediate string `yaml:"intermediate"`
	SHA1         string `yaml:"sha1"`
	SelfSigned   bool   `yaml:"self_signed"`
}

type goldenSRV struct {
	Targets []goldenTarget `yaml:"targets"`
	Error   string         `yaml:"error"`
}

type goldenTarget struct {
	Target   string `yaml:"target"`
	Port     uint16 `yaml:"port"`
	Priority uint16 `yaml:"priority"`
	Weight   uint16 `yaml:"weight"`
}

type goldenHost struct {
	Addrs []string `yaml:"addrs"`
	Error string   `yaml:"error"`
}

// goldenDial is one TCP and TLS attempt; target names an SRV target (or the allowed partner's proxy FQDN).
type goldenDial struct {
	Target      string           `yaml:"target"`
	Addr        string           `yaml:"addr"` // ip:port
	Stage       policy.DialStage `yaml:"stage"`
	Cause       string           `yaml:"cause"` // WSAECONNRESET | WSAETIMEDOUT | WSAECONNREFUSED
	Error       string           `yaml:"error"`
	Certificate *goldenCert      `yaml:"certificate"` // the server's, when the handshake reached it
}

type goldenAnswer struct {
	Kind        policy.AnswerKind `yaml:"kind"`
	Status      int               `yaml:"status"`
	Reason      string            `yaml:"reason"`
	Diagnostics string            `yaml:"diagnostics"`
	TLSAlert    bool              `yaml:"tls_alert"`
	Error       string            `yaml:"error"`
}

// The fixed parts of every rendering: the seed's record header and INVITE, and the seed's client view.
var (
	goldenHeader = RecordHeader{Machine: "sfvedge", PID: 0x0584, TID: 0x0A44, Sequence: 0x773E, Correlation: 156659184,
		Time: time.Date(2017, 3, 2, 7, 10, 46, 230_000_000, time.UTC)}
	goldenCallID      = "f1b3ad5d-183b-4632-b210-c2f9bec71960"
	goldenCSeq        = "2066245576 INVITE"
	goldenPeerPort    = 25002
	goldenOutCallID   = "7c0e5a1b-3d2f-4e8a-9b61-0d4f2a6c8e13"
	goldenClientView  = ClientView{TargetName: "SfBFE.skype.lab", Client: netip.MustParseAddrPort("10.55.186.71:62937"), CID: 0x6DA00, Opaque: "FA404B9C", SRand: "8168D157", SNum: 38, RSPAuth: "65d8d93b66e5b217115e3b1636bf433c9f5df54a"}
	winsockByName     = map[string]policy.Winsock{"WSAECONNRESET": policy.WSAECONNRESET, "WSAETIMEDOUT": policy.WSAETIMEDOUT, "WSAECONNREFUSED": policy.WSAECONNREFUSED}
	goldenIssuerNames = map[string]certs.Issuer{"lab": certs.IssuerLab, "untrusted": certs.IssuerUntrusted, "public": certs.IssuerPublic}
)

// goldenCase is one directory.
type goldenCase struct {
	dir, name string
	outbound  bool
	facts     goldenFacts
}

func loadGoldenCases(t testing.TB, root string) []goldenCase {
	t.Helper()
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var out []goldenCase
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		file := filepath.Join(dir, "facts.yaml")
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		c := goldenCase{dir: dir, name: e.Name(), outbound: root == outboundCasesDir}
		if err := config.DecodeStrictYAML(file, data, &c.facts); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		t.Fatalf("no golden cases under %s", root)
	}
	return out
}

// edgeConfig is config.Default's edge section with the case's tweaks.
func (f goldenFacts) edgeConfig() config.Edge { return f.tweak(config.Default().Edge) }

// tweak applies the case's edge settings to e.
func (f goldenFacts) tweak(e config.Edge) config.Edge {
	g := f.Edge
	if g.Blocked != nil {
		e.Federation.Blocked = g.Blocked
	}
	if g.Allowed != nil {
		e.Federation.Allowed = g.Allowed
	}
	if g.PartnerDiscovery != nil {
		e.Federation.PartnerDiscovery = *g.PartnerDiscovery
	}
	if g.Users != nil {
		e.Users = g.Users
	}
	if g.Diagnostics != "" {
		e.Diagnostics = g.Diagnostics
	}
	if g.Trust != "" {
		e.Trust.Profile = g.Trust
	}
	return e
}

// policyFor builds the Edge's policy the way the lab does, the trust pool from the test PKI.
func policyFor(p *testPKI, t testing.TB, e config.Edge) *policy.Policy {
	t.Helper()
	roots, anchor := p.LabRoots, p.LabCA.Cert.Subject.CommonName
	switch e.Trust.Profile {
	case config.ProfileOnPrem:
	case config.ProfileOffice365:
		roots, anchor = p.PublicRoots, p.CAs[certs.IssuerPublic].Cert.Subject.CommonName
	default:
		t.Fatalf("trust profile %q", e.Trust.Profile)
	}
	return NewPolicy(e, roots, []string{anchor})
}

// request is the lab-issue request of a certificate; ok false for issuer none.
func (c goldenCert) request(t testing.TB) (certs.Issuer, certs.LeafRequest, bool) {
	t.Helper()
	if c.Issuer == "none" {
		return "", certs.LeafRequest{}, false
	}
	iss, ok := goldenIssuerNames[c.Issuer]
	if !ok {
		t.Fatalf("certificate issuer %q: want lab, untrusted, public or none", c.Issuer)
	}
	return iss, certs.LeafRequest{CommonName: c.CN, SANs: c.SANs, NoSAN: c.NoSAN, Expired: c.Expired,
		EKU: certs.EKU(c.EKU), SHA1: c.SHA1 == "leaf", SelfSigned: c.SelfSigned, OmitIntermediate: c.Intermediate == "omitted"}, true
}

// via is the signing path of the certificate.
func (c goldenCert) via() certs.Via {
	switch {
	case c.SHA1 == "intermediate":
		return certs.ViaSHA1Intermediate
	case c.Intermediate != "":
		return certs.ViaIntermediate
	}
	return certs.ViaRoot
}

func goldenChain(p *testPKI, t testing.TB, c goldenCert) []*x509.Certificate {
	iss, req, ok := c.request(t)
	if !ok {
		return nil
	}
	switch {
	case c.SHA1 == "intermediate":
		ca, err := certs.NewIntermediate(p.CAs[iss], true)
		if err != nil {
			t.Fatal(err)
		}
		l, err := ca.Issue(req)
		if err != nil {
			t.Fatal(err)
		}
		return l.Chain
	case c.Intermediate != "":
		return p.ViaIntermediate(req)
	}
	return p.Chain(iss, req)
}

func (s *goldenSRV) result() *policy.SRVResult {
	if s == nil {
		return nil
	}
	r := &policy.SRVResult{Error: s.Error}
	for _, tg := range s.Targets {
		r.Targets = append(r.Targets, policy.SRVTarget{Target: tg.Target, Port: tg.Port, Priority: tg.Priority, Weight: tg.Weight})
	}
	return r
}

func splitUserHost(t testing.TB, s string) (string, string) {
	t.Helper()
	user, host, ok := strings.Cut(s, "@")
	if !ok {
		t.Fatalf("%q is not user@host", s)
	}
	return user, host
}

// inboundFacts are the policy's facts of an inbound case.
func (f goldenFacts) inboundFacts(t testing.TB, chain []*x509.Certificate, now time.Time) policy.InboundFacts {
	t.Helper()
	user, host := splitUserHost(t, f.RequestURI)
	_, from := splitUserHost(t, f.From)
	pai := ""
	if f.PAI != "" {
		_, pai = splitUserHost(t, f.PAI)
	}
	return policy.InboundFacts{RequestURIUser: user, RequestURIHost: host, FromHost: from, PAIHost: pai,
		PeerChain: chain, SRV: f.SRV.result(), Now: now}
}

// outboundFacts are the policy's facts of an outbound case; the chains it issued are returned too.
func (f goldenFacts) outboundFacts(t testing.TB, p *testPKI, now time.Time) (policy.OutboundFacts, [][]*x509.Certificate) {
	t.Helper()
	_, domain := splitUserHost(t, f.Callee)
	of := policy.OutboundFacts{Domain: domain, Now: now, SRV: f.SRV.result(), Hosts: map[string]policy.HostResult{}}
	for name, h := range f.Hosts {
		hr := policy.HostResult{Error: h.Error}
		for _, a := range h.Addrs {
			hr.Addrs = append(hr.Addrs, netip.MustParseAddr(a))
		}
		of.Hosts[name] = hr
	}
	var chains [][]*x509.Certificate
	for _, d := range f.Dials {
		ap := netip.MustParseAddrPort(d.Addr)
		dr := policy.DialResult{Target: policy.SRVTarget{Target: d.Target, Port: ap.Port()}, Addr: ap, Stage: d.Stage, Error: d.Error}
		if of.SRV != nil {
			for _, tg := range of.SRV.Targets {
				if tg.Target == d.Target {
					dr.Target = tg
				}
			}
		}
		if d.Cause != "" {
			w, ok := winsockByName[d.Cause]
			if !ok {
				t.Fatalf("dial cause %q: want WSAECONNRESET, WSAETIMEDOUT or WSAECONNREFUSED", d.Cause)
			}
			dr.Cause = w
		}
		if d.Certificate != nil {
			dr.Chain = goldenChain(p, t, *d.Certificate)
			chains = append(chains, dr.Chain)
		}
		of.Dials = append(of.Dials, dr)
	}
	if a := f.Answer; a != nil {
		of.Answer = &policy.Answer{Kind: a.Kind, Status: a.Status, Reason: a.Reason, Diagnostics: a.Diagnostics, TLSAlert: a.TLSAlert, Error: a.Error}
	}
	return of, chains
}

// goldenTrace is want.trace.json: each rule's name, outcome and row, and the certificate's checks.
type goldenTrace struct {
	Rule    policy.RuleName `json:"rule"`
	Outcome policy.Outcome  `json:"outcome"`
	Row     policy.RowID    `json:"row,omitempty"`
	Checks  []goldenCheck   `json:"checks,omitempty"`
}

type goldenCheck struct {
	Check   string         `json:"check"`
	Outcome policy.Outcome `json:"outcome"`
}

func renderTrace(t testing.TB, rules []policy.Rule) []byte {
	t.Helper()
	out := make([]goldenTrace, 0, len(rules))
	for _, r := range rules {
		g := goldenTrace{Rule: r.Name, Outcome: r.Outcome, Row: r.Row}
		for _, c := range r.Checks {
			g.Checks = append(g.Checks, goldenCheck{c.Name, c.Outcome})
		}
		out = append(out, g)
	}
	// One rule a line, so that a diff names the rule that changed.
	b := []byte("[\n")
	for i, g := range out {
		line, err := json.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		b = append(append(b, "  "...), line...)
		if i < len(out)-1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
	}
	return append(b, "]\n"...)
}

// decide runs the pure policy on a case and renders what it can: want.log, want.trace.json and, for
// outbound, want.sip. Inbound want.sip comes from a real Edge (TestInboundWireGoldens).
func (c goldenCase) decide(t testing.TB, p *testPKI) (policy.Verdict, map[string][]byte, [][]*x509.Certificate) {
	t.Helper()
	e := c.facts.edgeConfig()
	pol := policyFor(p, t, e)
	now := time.Now()
	out := map[string][]byte{}
	var v policy.Verdict
	var chains [][]*x509.Certificate
	var msg MessageInfo
	if !c.outbound {
		chain := goldenChain(p, t, c.facts.Certificate)
		chains = append(chains, chain)
		v = pol.DecideInbound(c.facts.inboundFacts(t, chain, now))
		msg = MessageInfo{StartLine: "INVITE sip:" + c.facts.RequestURI + " SIP/2.0", CallID: goldenCallID, CSeq: goldenCSeq,
			Peer: FormatPeer(presented(chain), goldenPeerPort)}
	} else {
		var f policy.OutboundFacts
		f, chains = c.facts.outboundFacts(t, p, now)
		v = pol.DecideOutbound(f)
		msg = MessageInfo{StartLine: "INVITE sip:" + c.facts.Callee + " SIP/2.0", CallID: goldenOutCallID, CSeq: "1 INVITE",
			Peer: reached{facts: f, verdict: v}.logPeer(v.Domain)}
		view := goldenClientView
		view.Status, view.Reason, view.Server = v.Status, v.Reason, e.ServerHeader
		switch {
		case v.Diagnostic != nil:
			view.Diagnostic = v.Diagnostic.Header(e.FQDN)
		case v.FarEndDiagnostic != "":
			view.Diagnostic = v.FarEndDiagnostic
		}
		out["want.sip"] = view.Append(nil)
	}
	if v.Record != nil {
		out["want.log"] = AppendRecord(nil, goldenHeader, *v.Record, msg)
	}
	out["want.trace.json"] = renderTrace(t, v.Trace)
	return v, out, chains
}

func presented(chain []*x509.Certificate) string {
	if len(chain) == 0 {
		return ""
	}
	return certs.PresentedName(chain[0])
}

// compareGolden checks got against dir/name, rewriting it first under -update.
func compareGolden(t *testing.T, dir, name string, got []byte) {
	t.Helper()
	file := filepath.Join(dir, name)
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update once, then review)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs\n got: %q\nwant: %q", file, got, want)
	}
}

// certDates are the ways a certificate's validity could leak into a golden file.
func certDates(chains [][]*x509.Certificate) []string {
	var out []string
	for _, ch := range chains {
		for _, c := range ch {
			for _, tm := range []time.Time{c.NotBefore.UTC(), c.NotAfter.UTC()} {
				out = append(out, tm.Format(time.DateOnly), tm.Format(time.RFC3339), tm.Format("01/02/2006"))
			}
		}
	}
	return out
}

// Every golden directory: the pure policy's verdict on facts.yaml, rendered and compared byte for byte.
func TestGoldenCases(t *testing.T) {
	p := newTestPKI(t)
	for _, root := range []string{inboundCasesDir, outboundCasesDir} {
		for _, c := range loadGoldenCases(t, root) {
			t.Run(filepath.Join(filepath.Base(root), c.name), func(t *testing.T) {
				v, out, chains := c.decide(t, p)
				if !v.Decided() {
					t.Fatalf("the facts leave the verdict pending on %+v", *v.Pending)
				}
				if v.Row != c.facts.Row {
					t.Errorf("row %q, facts.yaml says %q (%d %s)", v.Row, c.facts.Row, v.Status, v.Reason)
				}
				if code := strconv.Itoa(v.Code()); !strings.HasPrefix(c.name, code+"-") {
					t.Errorf("directory name does not start with the diagnostic code %s", code)
				}
				if _, ok := out["want.log"]; !ok {
					t.Errorf("the verdict writes no Edge-log record")
				}
				for _, name := range slices.Sorted(maps.Keys(out)) {
					for _, d := range certDates(chains) {
						if bytes.Contains(out[name], []byte(d)) {
							t.Errorf("%s holds the certificate date %s, which changes every run", name, d)
						}
					}
					compareGolden(t, c.dir, name, out[name])
				}
				if !c.outbound {
					want, err := os.ReadFile(filepath.Join(c.dir, "want.sip"))
					if err != nil {
						t.Fatal(err)
					}
					checkInboundWire(t, c, v, want)
				}
			})
		}
	}
}

// checkInboundWire ties the wire golden to the verdict: status line, and ms-diagnostics unless faithful.
func checkInboundWire(t *testing.T, c goldenCase, v policy.Verdict, wire []byte) {
	t.Helper()
	if status := fmt.Sprintf("SIP/2.0 %d %s\r\n", v.Status, v.Reason); !bytes.HasPrefix(wire, []byte(status)) {
		t.Errorf("want.sip does not start with %q", status)
	}
	diag := "ms-diagnostics: " + v.Diagnostic.Header(config.Default().Edge.FQDN) + "\r\n"
	has := bytes.Contains(wire, []byte(diag))
	if faithful := c.facts.edgeConfig().Diagnostics == config.DiagnosticsFaithful; has == faithful {
		t.Errorf("want.sip and the verdict disagree on %q (faithful %v)", diag, faithful)
	}
}

// Every catalogue row has a golden directory in at least one direction, named with its code.
func TestGoldenCasesCoverCatalogue(t *testing.T) {
	have := map[policy.RowID][]string{}
	for _, root := range []string{inboundCasesDir, outboundCasesDir} {
		for _, c := range loadGoldenCases(t, root) {
			have[c.facts.Row] = append(have[c.facts.Row], filepath.Join(filepath.Base(root), c.name))
		}
	}
	for _, r := range policy.Catalogue() {
		dirs := have[r.ID]
		if len(dirs) == 0 {
			t.Errorf("catalogue row %s has no golden directory under %s or %s", r.ID, inboundCasesDir, outboundCasesDir)
		}
		for _, d := range dirs {
			if !strings.HasPrefix(filepath.Base(d), strconv.Itoa(r.Code)+"-") {
				t.Errorf("%s (row %s) does not start with %d-", d, r.ID, r.Code)
			}
		}
		delete(have, r.ID)
	}
	for id, dirs := range have {
		t.Errorf("%v name row %q, which the catalogue lacks", dirs, id)
	}
}

// The inbound 1009 case is the seed's own: its want.log is the captured record byte for byte.
func TestGoldenCaseIsTheSeed(t *testing.T) {
	got, err := os.ReadFile(filepath.Join(inboundCasesDir, "1009-srv-other-domain", "want.log"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/seed-record-1009.log")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("inbound/1009-srv-other-domain/want.log is not the seed's record\n got: %q\nwant: %q", got, want)
	}
}

// The outbound 1009 case is the seed's too: its want.sip is the Skype client's captured view.
func TestGoldenOutboundCaseIsTheSeed(t *testing.T) {
	got, err := os.ReadFile(filepath.Join(outboundCasesDir, "1009-srv-subdomain", "want.sip"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/outbound-skype-view-1009.sip")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("outbound/1009-srv-subdomain/want.sip is not the seed's view\n got: %q\nwant: %q", got, want)
	}
}
