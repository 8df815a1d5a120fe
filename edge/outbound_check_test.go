package edge

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/scenarios/standin"
)

func results(rep CheckReport) string {
	var s []string
	for _, r := range rep.Rules {
		s = append(s, r.Result)
	}
	return strings.Join(s, " ")
}

func TestCheckRules(t *testing.T) {
	l := newOutLab(t)
	good := l.peer(standin.ServerConfig{Certificate: l.cert(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab"}), RequireClientCert: true})
	wrong := l.peer(standin.ServerConfig{Certificate: l.cert(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.steven.lab"})})
	expiredWrong := l.peer(standin.ServerConfig{Certificate: l.cert(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.steven.lab", Expired: true})})
	tests := []struct {
		name    string
		zones   map[string]string
		results string
		decided string // the rule that carries the diagnostic
		diag    string
	}{
		{"all good", cmsZone("vcse.cms.steven.lab", good.Addr().Port()), "PASS PASS PASS PASS PASS PASS PASS PASS PASS", "", ""},
		{"wrong name", cmsZone("vcse.cms.steven.lab", wrong.Addr().Port()), "PASS PASS PASS PASS PASS PASS FAIL PASS PASS",
			"the certificate names the SRV target (SAN, or CN when there is no SAN)", seed1010},
		{"expired and misnamed", cmsZone("vcse.cms.steven.lab", expiredWrong.Addr().Port()), "PASS PASS PASS PASS PASS PASS FAIL PASS FAIL",
			"the certificate is within its validity period", "HRESULT=\"0x80090328(SEC_E_CERT_EXPIRED)\""},
		{"SRV into a subdomain", cmsZone("vcse.sub.cms.steven.lab", 5061), "PASS PASS FAIL SKIP SKIP SKIP SKIP SKIP SKIP",
			"an SRV target lies directly in the domain", seed1009},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := l.open(tc.zones)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			rep := o.Check(ctx, "cms.steven.lab", time.Now(), nil)
			if got := results(rep); got != tc.results {
				t.Errorf("rules %s, want %s\n%+v", got, tc.results, rep.Rules)
			}
			if rep.Pass != (tc.diag == "") {
				t.Errorf("pass %v", rep.Pass)
			}
			for _, r := range rep.Rules {
				decided := r.Name == tc.decided
				if (r.Diagnostic != "") != decided || decided && !strings.Contains(r.Diagnostic, tc.diag) {
					t.Errorf("rule %q carries diagnostic %q", r.Name, r.Diagnostic)
				}
			}
		})
	}
	if n := len(good.Requests()); n != 0 {
		t.Errorf("a check sent %d requests", n)
	}
	if l.log.String() != "" {
		t.Errorf("a check wrote the Edge log:\n%s", l.log.String())
	}
}
