package edge

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
)

// The memo answers like certs.Check, including after the certificate's own expiry.
func TestCertMemoAgreesWithTheRule(t *testing.T) {
	p := newTestPKI(t)
	now := time.Now()
	short := p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab", Days: 1})
	m := newCertMemo(time.Hour, 2)
	for _, in := range []certs.CheckInput{
		{Chain: short, FQDN: "vcse.acano.steven.lab", Roots: p.LabRoots, Now: now, Usage: x509.ExtKeyUsageClientAuth},
		{Chain: short, FQDN: "vcse.steven.lab", Roots: p.LabRoots, Now: now, Usage: x509.ExtKeyUsageClientAuth},
		{Chain: short, FQDN: "vcse.acano.steven.lab", Roots: p.PublicRoots, Now: now, Usage: x509.ExtKeyUsageClientAuth},
		{Chain: short, FQDN: "vcse.acano.steven.lab", Roots: p.LabRoots, Now: now.Add(48 * time.Hour), Usage: x509.ExtKeyUsageClientAuth},
		{Chain: nil, FQDN: "vcse.acano.steven.lab", Roots: p.LabRoots, Now: now},
	} {
		for range 2 { // the second call is served from the memo
			if got, want := m.Check(in), certs.Check(in); got.Fault != want.Fault {
				t.Errorf("%s at %s: memo %s, rule %s", in.FQDN, in.Now.Sub(now), got.Fault, want.Fault)
			}
		}
	}
}
