package policy

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/edgesim/edgesim/certs"
)

// Every row is whole, and no two rows share a Result-Code.
func TestCatalogueRows(t *testing.T) {
	seen := map[uint32]RowID{}
	for _, r := range Catalogue() {
		if r.Code == 0 || r.DiagReason == "" || r.Text == "" || r.Result.IsZero() || r.Section == "" || r.Source == "" {
			t.Errorf("row %s incomplete: %+v", r.ID, r)
		}
		if other, dup := seen[r.Result.Value]; dup {
			t.Errorf("rows %s and %s share %s", other, r.ID, r.Result.Hex())
		}
		seen[r.Result.Value] = r.ID
		if r.Code == 1010 && (r.ErrorType == "" || r.HRESULT == "") {
			t.Errorf("1010 row %s lacks its ErrorType or HRESULT", r.ID)
		}
		if !strings.HasPrefix(string(r.ID), strconv.Itoa(r.Code)) {
			t.Errorf("row %s does not start with its code %d", r.ID, r.Code)
		}
	}
	if got := DiagnosticReason(1009); got != "No match for domain in DNS SRV results" {
		t.Errorf("DiagnosticReason(1009) = %q", got)
	}
	if rc, ok := ResultByHex("0xC3E93D6F"); !ok || rc.Name != "SIPPROXY_E_EPROUTING_MSG_ALLOWED_DOMAIN_NO_SRV_MATCH" {
		t.Errorf("ResultByHex: %v %v", rc, ok)
	}
}

// Every catalogue row is produced by at least one policy table row, inbound or outbound: a row no rule
// returns is dead text.
func TestEveryRowIsDecided(t *testing.T) {
	p := newTestPKI(t)
	produced := map[RowID]bool{}
	for _, tc := range outboundCases(p) {
		produced[tc.row] = true
	}
	for _, r := range inboundRowsDecided(t, p) {
		produced[r] = true
	}
	for _, r := range Catalogue() {
		if !produced[r.ID] {
			t.Errorf("no policy row produces %s", r.ID)
		}
	}
}

// inboundRowsDecided runs the inbound refusals that need no SRV juggling and returns their rows.
func inboundRowsDecided(t *testing.T, p *testPKI) []RowID {
	pol := &Policy{FQDN: "sip.skype.lab", Domains: []string{"skype.lab"}, Roots: p.LabRoots, PartnerDiscovery: true}
	var rows []RowID
	for _, f := range []InboundFacts{
		{RequestURIUser: "bob", RequestURIHost: "other.lab", FromHost: "acano.steven.lab",
			PeerChain: p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}), SRV: &SRVResult{Targets: []SRVTarget{{Target: "vcse.acano.steven.lab", Port: 5061}}}},
		{RequestURIUser: "bob", RequestURIHost: "skype.lab", FromHost: "acano.steven.lab",
			SRV: &SRVResult{Targets: []SRVTarget{{Target: "vcse.acano.steven.lab", Port: 5061}}}},
	} {
		v := pol.DecideInbound(f)
		checkTrace(t, v)
		rows = append(rows, v.Row)
	}
	return rows
}

// The pure core imports the standard library and certs only: no sockets, resolvers or SIP stacks.
func TestPolicyImportsOnlyCerts(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(path, "/")
			if strings.Contains(first, ".") && path != "github.com/edgesim/edgesim/certs" {
				t.Errorf("%s imports %s: the policy takes plain values, it reaches nothing", f, path)
			}
		}
	}
}
