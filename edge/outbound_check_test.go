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
	clientOnly := l.peer(standin.ServerConfig{Certificate: l.cert(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab", EKU: certs.EKUClient})})
	sha1 := l.peer(standin.ServerConfig{Certificate: l.cert(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab", SHA1: true})})
	cut := l.peer(standin.ServerConfig{Certificate: l.certVia(certs.IssuerLab, certs.ViaIntermediate, certs.LeafRequest{CommonName: "vcse.cms.steven.lab", OmitIntermediate: true})})
	tests := []struct {
		name    string
		zones   map[string]string
		results string
		decided string // the rule that carries the diagnostic
		diag    string
	}{
		{"all good", cmsZone("vcse.cms.steven.lab", good.Addr().Port()), "PASS PASS PASS PASS PASS PASS PASS PASS PASS PASS PASS PASS PASS", "", ""},
		{"wrong name", cmsZone("vcse.cms.steven.lab", wrong.Addr().Port()), "PASS PASS PASS PASS PASS PASS FAIL PASS PASS PASS PASS PASS PASS",
			"the certificate names the SRV target (SAN, or CN when there is no SAN)", seed1010},
		{"expired and misnamed", cmsZone("vcse.cms.steven.lab", expiredWrong.Addr().Port()), "PASS PASS PASS PASS PASS PASS FAIL PASS FAIL PASS PASS PASS PASS",
			"the certificate is within its validity period", "HRESULT=\"0x80090328(SEC_E_CERT_EXPIRED)\""},
		{"SRV into a subdomain", cmsZone("vcse.sub.cms.steven.lab", 5061), "PASS PASS FAIL SKIP SKIP SKIP SKIP SKIP SKIP SKIP SKIP SKIP SKIP",
			"an SRV target lies directly in the domain", seed1009},
		{"no serverAuth", cmsZone("vcse.cms.steven.lab", clientOnly.Addr().Port()), "PASS PASS PASS PASS PASS PASS PASS PASS PASS FAIL PASS PASS PASS",
			"the certificate's extended key usage allows serverAuth", "HRESULT=\"0x800B0110(CERT_E_WRONG_USAGE)\""},
		{"SHA-1 signed", cmsZone("vcse.cms.steven.lab", sha1.Addr().Port()), "PASS PASS PASS PASS PASS PASS PASS SKIP PASS PASS FAIL PASS PASS",
			"the chain as sent has no SHA-1 signature", "HRESULT=\"0x80090331(SEC_E_ALGORITHM_MISMATCH)\""},
		{"intermediate not sent", cmsZone("vcse.cms.steven.lab", cut.Addr().Port()), "PASS PASS PASS PASS PASS PASS PASS FAIL PASS PASS PASS PASS FAIL",
			"the chain as sent reaches a trusted root", "HRESULT=\"0x800B010A(CERT_E_CHAINING)\""},
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

// What passes today but breaks on renewal day or elsewhere is a warning, not a failure.
func TestCheckWarnings(t *testing.T) {
	l := newOutLab(t)
	serverOnly := l.peer(standin.ServerConfig{Certificate: l.cert(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab", EKU: certs.EKUServer, Days: 10})})
	o := l.open(cmsZone("vcse.cms.steven.lab", serverOnly.Addr().Port()))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rep := o.Check(ctx, "cms.steven.lab", time.Now(), nil)
	if !rep.Pass {
		t.Fatalf("a serverAuth-only certificate still passes outbound: %+v", rep.Rules)
	}
	got := strings.Join(rep.Warnings, "\n")
	for _, want := range []string{"lacks clientAuth", "cert-no-clientauth-inbound", "expires in 9 days"} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings lack %q:\n%s", want, got)
		}
	}
}
