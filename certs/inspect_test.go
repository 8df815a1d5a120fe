package certs

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"strings"
	"testing"
	"time"
)

func TestInspectUsage(t *testing.T) {
	l := newLab(t)
	const fqdn = "vcse.acano.steven.lab"
	withEKU := func(ekus ...x509.ExtKeyUsage) []*x509.Certificate {
		return []*x509.Certificate{issueCustom(t, l.lab, &x509.Certificate{
			Subject: pkix.Name{CommonName: fqdn}, DNSNames: []string{fqdn}, ExtKeyUsage: ekus,
		}), l.lab.Cert}
	}
	expiredClientOnly := []*x509.Certificate{issueCustom(t, l.lab, &x509.Certificate{
		Subject: pkix.Name{CommonName: fqdn}, DNSNames: []string{fqdn},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(-time.Minute),
	}), l.lab.Cert}
	tests := []struct {
		name  string
		chain []*x509.Certificate
		want  Fault
	}{
		{"both usages", mustIssue(t, l.lab, LeafRequest{CommonName: fqdn}).Chain, FaultNone},
		{"serverAuth only: cannot call the Edge", withEKU(x509.ExtKeyUsageServerAuth), FaultWrongUsage},
		{"clientAuth only: cannot answer the Edge", withEKU(x509.ExtKeyUsageClientAuth), FaultWrongUsage},
		{"codeSigning only", withEKU(x509.ExtKeyUsageCodeSigning), FaultWrongUsage},
		{"expired clientAuth only", expiredClientOnly, FaultExpired},
		{"untrusted", mustIssue(t, l.untrusted, LeafRequest{CommonName: fqdn}).Chain, FaultUntrustedRoot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Inspect(tt.chain, fqdn, poolOf(l.lab), time.Now())
			if got.Result.Fault != tt.want {
				t.Errorf("Fault = %v (%s), want %v", got.Result.Fault, got.Result.Detail, tt.want)
			}
		})
	}
}

func TestInspectReport(t *testing.T) {
	l := newLab(t)
	roots := poolOf(l.lab)
	const fqdn = "vcse.acano.steven.lab"
	tests := []struct {
		name     string
		chain    []*x509.Certificate
		contains []string
		tail     []string
	}{
		{"pass", mustIssue(t, l.lab, LeafRequest{CommonName: fqdn}).Chain,
			[]string{"CN=" + fqdn, "CN=edgesim Lab Root CA", "SAN DNS:", fqdn},
			[]string{"verdict: PASS"}},
		{"seed wrong principal", mustIssue(t, l.lab, LeafRequest{CommonName: "vcse.steven.lab"}).Chain,
			[]string{"presented as: vcse.steven.lab", "expected: " + fqdn, "wrong-principal"},
			[]string{"verdict: FAIL", `ErrorType="type of wrong-principal"`, `HRESULT="hresult of wrong-principal"`}},
		{"CN-only", mustIssue(t, l.lab, LeafRequest{CommonName: "vcse.steven.lab", NoSAN: true}).Chain,
			[]string{"(none: the CN is used)", "names used: vcse.steven.lab"},
			[]string{"verdict: FAIL", `ErrorType="type of wrong-principal"`, `HRESULT="hresult of wrong-principal"`}},
		{"untrusted", mustIssue(t, l.untrusted, LeafRequest{CommonName: fqdn}).Chain,
			[]string{"CN=edgesim Untrusted Root CA"},
			[]string{"verdict: FAIL", `ErrorType="type of untrusted-root"`, `HRESULT="hresult of untrusted-root"`}},
		{"expired", mustIssue(t, l.lab, LeafRequest{CommonName: fqdn, Expired: true}).Chain,
			[]string{"not after:"},
			[]string{"verdict: FAIL", `ErrorType="type of expired"`, `HRESULT="hresult of expired"`}},
		{"no certificate", nil,
			[]string{"expected:"},
			[]string{"verdict: FAIL", `ErrorType="type of no-certificate"`, `HRESULT="hresult of no-certificate"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ins := Inspect(tt.chain, fqdn, roots, time.Now())
			if ins.FQDN != fqdn {
				t.Errorf("FQDN = %q", ins.FQDN)
			}
			var buf bytes.Buffer
			ins.WriteText(&buf, stubWire)
			out := buf.String()
			// Column widths are presentation; compare with spaces collapsed.
			flat := strings.Join(strings.Fields(out), " ")
			for _, c := range tt.contains {
				if !strings.Contains(flat, c) {
					t.Errorf("report lacks %q:\n%s", c, out)
				}
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) < len(tt.tail) {
				t.Fatalf("report too short:\n%s", out)
			}
			got := lines[len(lines)-len(tt.tail):]
			for i := range tt.tail {
				if got[i] != tt.tail[i] {
					t.Errorf("tail line %d = %q, want %q", i, got[i], tt.tail[i])
				}
			}
			if tt.tail[0] == "verdict: PASS" && strings.Contains(out, "ErrorType=") {
				t.Errorf("PASS report carries an ErrorType:\n%s", out)
			}
		})
	}
}

func TestInspectFields(t *testing.T) {
	l := newLab(t)
	leaf := mustIssue(t, l.lab, LeafRequest{CommonName: "vcse.acano.steven.lab", SANs: []string{"vcse.steven.lab"}})
	ins := Inspect(leaf.Chain, "vcse.acano.steven.lab", poolOf(l.lab), time.Now())
	c := leaf.Chain[0]
	if ins.Subject != "CN=vcse.acano.steven.lab" || ins.Issuer != "CN=edgesim Lab Root CA,O=edgesim lab" {
		t.Errorf("Subject %q Issuer %q", ins.Subject, ins.Issuer)
	}
	if len(ins.SANs) != 1 || ins.SANs[0] != "vcse.steven.lab" || len(ins.Names) != 1 || ins.Names[0] != "vcse.steven.lab" {
		t.Errorf("SANs %q Names %q", ins.SANs, ins.Names)
	}
	if !ins.NotBefore.Equal(c.NotBefore) || !ins.NotAfter.Equal(c.NotAfter) {
		t.Error("validity not copied")
	}
	if ins.Result.Fault != FaultWrongPrincipal || ins.Result.PresentedName != "vcse.acano.steven.lab" {
		t.Errorf("Result %+v", ins.Result)
	}
}

// stubWire stands in for the Edge's catalogue, which lives above this package: the report must print
// whatever wire text it is given for the fault.
func stubWire(f Fault) (string, string) { return "type of " + f.String(), "hresult of " + f.String() }
