package certs

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"strings"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	l := newLab(t)
	now := time.Now()
	issue := func(ca *CA, req LeafRequest) []*x509.Certificate { return mustIssue(t, ca, req).Chain }
	good := issue(l.lab, LeafRequest{CommonName: "vcse.acano.steven.lab"})
	seed := issue(l.lab, LeafRequest{CommonName: "vcse.steven.lab"})
	serverOnly := issueCustom(t, l.lab, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "vcse.acano.steven.lab"},
		DNSNames:    []string{"vcse.acano.steven.lab"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	labRoots := poolOf(l.lab)
	const want = "vcse.acano.steven.lab"

	tests := []struct {
		name      string
		in        CheckInput
		fault     Fault
		presented string
	}{
		{"SAN match", CheckInput{Chain: good, FQDN: want, Roots: labRoots}, FaultNone, want},
		{"case-insensitive and trailing dot", CheckInput{Chain: good, FQDN: "VCSE.Acano.Steven.LAB.", Roots: labRoots}, FaultNone, want},
		{"second SAN matches", CheckInput{Chain: issue(l.lab, LeafRequest{CommonName: "vcse.steven.lab", SANs: []string{"vcse.steven.lab", want}}), FQDN: want, Roots: labRoots}, FaultNone, "vcse.steven.lab"},
		{"CN-only accepted", CheckInput{Chain: issue(l.lab, LeafRequest{CommonName: want, NoSAN: true}), FQDN: want, Roots: labRoots}, FaultNone, want},
		{"SAN-only with empty CN", CheckInput{Chain: issue(l.lab, LeafRequest{SANs: []string{want}}), FQDN: want, Roots: labRoots}, FaultNone, want},
		{"leaf only, CA in roots", CheckInput{Chain: good[:1], FQDN: want, Roots: labRoots}, FaultNone, want},
		{"seed: cert names another host", CheckInput{Chain: seed, FQDN: want, Roots: labRoots}, FaultWrongPrincipal, "vcse.steven.lab"},
		{"FQDN only in CN beside SANs", CheckInput{Chain: issue(l.lab, LeafRequest{CommonName: want, SANs: []string{"vcse.steven.lab"}}), FQDN: want, Roots: labRoots}, FaultWrongPrincipal, want},
		{"wildcard SAN", CheckInput{Chain: issue(l.lab, LeafRequest{CommonName: "vcse.steven.lab", SANs: []string{"*.acano.steven.lab"}}), FQDN: want, Roots: labRoots}, FaultWrongPrincipal, "vcse.steven.lab"},
		{"empty expected FQDN", CheckInput{Chain: good, FQDN: "", Roots: labRoots}, FaultWrongPrincipal, want},
		{"untrusted CA", CheckInput{Chain: issue(l.untrusted, LeafRequest{CommonName: want}), FQDN: want, Roots: labRoots}, FaultUntrustedRoot, want},
		{"untrusted CA and wrong name", CheckInput{Chain: issue(l.untrusted, LeafRequest{CommonName: "vcse.steven.lab"}), FQDN: want, Roots: labRoots}, FaultUntrustedRoot, "vcse.steven.lab"},
		{"nil roots trust nothing", CheckInput{Chain: good, FQDN: want}, FaultUntrustedRoot, want},
		{"empty roots trust nothing", CheckInput{Chain: good, FQDN: want, Roots: x509.NewCertPool()}, FaultUntrustedRoot, want},
		{"office365: lab CA not public", CheckInput{Chain: good, FQDN: want, Roots: poolOf(l.public)}, FaultUntrustedRoot, want},
		{"office365: public CA", CheckInput{Chain: issue(l.public, LeafRequest{CommonName: want}), FQDN: want, Roots: poolOf(l.public)}, FaultNone, want},
		{"expired from trusted CA", CheckInput{Chain: issue(l.lab, LeafRequest{CommonName: want, Expired: true}), FQDN: want, Roots: labRoots}, FaultExpired, want},
		{"expired lab leaf older than its CA, CA not presented", CheckInput{Chain: issue(l.lab, LeafRequest{CommonName: want, Expired: true})[:1], FQDN: want, Roots: labRoots, Now: now}, FaultUntrustedRoot, want},
		{"expired by the clock, leaf only", CheckInput{Chain: good[:1], FQDN: want, Roots: labRoots, Now: now.AddDate(0, 0, 400)}, FaultExpired, want},
		{"not yet valid", CheckInput{Chain: issue(l.lab, LeafRequest{CommonName: want, NotBefore: now.Add(48 * time.Hour)}), FQDN: want, Roots: labRoots}, FaultExpired, want},
		{"expired and wrong name", CheckInput{Chain: issue(l.lab, LeafRequest{CommonName: "vcse.steven.lab", Expired: true}), FQDN: want, Roots: labRoots}, FaultExpired, "vcse.steven.lab"},
		{"expired and untrusted", CheckInput{Chain: issue(l.untrusted, LeafRequest{CommonName: want, Expired: true}), FQDN: want, Roots: labRoots}, FaultUntrustedRoot, want},
		{"expired, trusted CA presented but wrong usage", CheckInput{Chain: []*x509.Certificate{serverOnly, l.lab.Cert}, FQDN: want, Roots: labRoots, Now: now.AddDate(0, 0, 2), Usage: x509.ExtKeyUsageClientAuth}, FaultExpired, want},
		{"clientAuth inbound", CheckInput{Chain: good, FQDN: want, Roots: labRoots, Usage: x509.ExtKeyUsageClientAuth}, FaultNone, want},
		{"serverAuth outbound", CheckInput{Chain: good, FQDN: want, Roots: labRoots, Usage: x509.ExtKeyUsageServerAuth}, FaultNone, want},
		{"serverAuth-only cert inbound", CheckInput{Chain: []*x509.Certificate{serverOnly, l.lab.Cert}, FQDN: want, Roots: labRoots, Usage: x509.ExtKeyUsageClientAuth}, FaultWrongUsage, want},
		{"serverAuth-only cert outbound", CheckInput{Chain: []*x509.Certificate{serverOnly, l.lab.Cert}, FQDN: want, Roots: labRoots, Usage: x509.ExtKeyUsageServerAuth}, FaultNone, want},
		{"empty chain", CheckInput{FQDN: want, Roots: labRoots}, FaultNoCertificate, ""},
		{"nil leaf", CheckInput{Chain: []*x509.Certificate{nil}, FQDN: want, Roots: labRoots}, FaultNoCertificate, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(tt.in)
			if got.Fault != tt.fault {
				t.Errorf("Fault = %v, want %v (detail: %s)", got.Fault, tt.fault, got.Detail)
			}
			if got.PresentedName != tt.presented {
				t.Errorf("PresentedName = %q, want %q", got.PresentedName, tt.presented)
			}
			if (got.Detail == "") != (got.Fault == FaultNone) {
				t.Errorf("Detail %q with fault %v: want a detail exactly when failing", got.Detail, got.Fault)
			}
		})
	}
}

// The expired-but-trusted leaf from the lab predates its freshly made CA, so
// no single instant has both valid; Check must still call it Expired.
func TestCheckExpiredLeafOlderThanCA(t *testing.T) {
	l := newLab(t)
	leaf := mustIssue(t, l.lab, LeafRequest{CommonName: "a.lab", Expired: true})
	if !leaf.Chain[0].NotAfter.Before(l.lab.Cert.NotBefore) {
		t.Fatal("precondition: leaf should end before the CA starts")
	}
	if got := Check(CheckInput{Chain: leaf.Chain, FQDN: "a.lab", Roots: poolOf(l.lab)}); got.Fault != FaultExpired {
		t.Errorf("Fault = %v (%s), want expired", got.Fault, got.Detail)
	}
	if got := Check(CheckInput{Chain: leaf.Chain, FQDN: "a.lab", Roots: poolOf(l.untrusted)}); got.Fault != FaultUntrustedRoot {
		t.Errorf("against another CA: Fault = %v (%s), want untrusted-root", got.Fault, got.Detail)
	}
}

func TestCheckWrongPrincipalDetail(t *testing.T) {
	l := newLab(t)
	roots := poolOf(l.lab)
	tests := []struct {
		name string
		req  LeafRequest
		want []string
	}{
		{"names the SANs", LeafRequest{CommonName: "vcse.steven.lab"}, []string{`"vcse.acano.steven.lab"`, `"vcse.steven.lab"`}},
		{"CN ignored hint", LeafRequest{CommonName: "vcse.acano.steven.lab", SANs: []string{"vcse.steven.lab"}}, []string{"only in the CN"}},
		{"wildcard hint", LeafRequest{CommonName: "x", SANs: []string{"*.acano.steven.lab"}}, []string{"wildcard"}},
		{"CN-only", LeafRequest{CommonName: "vcse.steven.lab", NoSAN: true}, []string{"no SAN DNS names"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(CheckInput{Chain: mustIssue(t, l.lab, tt.req).Chain, FQDN: "vcse.acano.steven.lab.", Roots: roots})
			if got.Fault != FaultWrongPrincipal {
				t.Fatalf("Fault = %v", got.Fault)
			}
			for _, w := range tt.want {
				if !strings.Contains(got.Detail, w) {
					t.Errorf("Detail %q lacks %q", got.Detail, w)
				}
			}
		})
	}
}

func TestFaultStrings(t *testing.T) {
	tests := []struct {
		f   Fault
		str string
	}{
		{FaultNone, "none"},
		{FaultWrongPrincipal, "wrong-principal"},
		{FaultUntrustedRoot, "untrusted-root"},
		{FaultExpired, "expired"},
		{FaultNoCertificate, "no-certificate"},
		{Fault(99), "fault(99)"},
	}
	for _, tt := range tests {
		t.Run(tt.str, func(t *testing.T) {
			if got := tt.f.String(); got != tt.str {
				t.Errorf("String = %q, want %q", got, tt.str)
			}
		})
	}
}
