package policy

import (
	"crypto/x509"
	"testing"

	"github.com/edgesim/edgesim/certs"
)

// testPKI is a lab directory in t.TempDir() with the three lab CAs, issuing peer chains on demand.
type testPKI struct {
	t                     testing.TB
	dir                   string
	cas                   map[certs.Issuer]*certs.CA
	labCA                 *certs.CA
	inter                 *certs.CA // the lab intermediate, under labCA
	labRoots, publicRoots *x509.CertPool
}

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	p := &testPKI{t: t, dir: t.TempDir(), cas: map[certs.Issuer]*certs.CA{}}
	for _, iss := range []certs.Issuer{certs.IssuerLab, certs.IssuerUntrusted, certs.IssuerPublic} {
		ca, _, err := certs.EnsureCA(p.dir, iss, certs.CAOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.cas[iss] = ca
	}
	p.labCA = p.cas[certs.IssuerLab]
	inter, err := certs.EnsureIntermediate(p.dir, p.labCA)
	if err != nil {
		t.Fatal(err)
	}
	p.inter = inter
	p.labRoots = x509.NewCertPool()
	p.labRoots.AddCert(p.labCA.Cert)
	p.publicRoots = x509.NewCertPool()
	p.publicRoots.AddCert(p.cas[certs.IssuerPublic].Cert)
	return p
}

func (p *testPKI) leaf(iss certs.Issuer, req certs.LeafRequest) *certs.Leaf {
	p.t.Helper()
	l, err := p.cas[iss].Issue(req)
	if err != nil {
		p.t.Fatal(err)
	}
	return l
}

func (p *testPKI) chain(iss certs.Issuer, req certs.LeafRequest) []*x509.Certificate {
	return p.leaf(iss, req).Chain
}

// viaIntermediate issues from the lab intermediate; req.OmitIntermediate leaves it out of the chain.
func (p *testPKI) viaIntermediate(req certs.LeafRequest) []*x509.Certificate {
	p.t.Helper()
	l, err := p.inter.Issue(req)
	if err != nil {
		p.t.Fatal(err)
	}
	return l.Chain
}

// withIntermediate is the lab's roots plus the lab intermediate, as edge.trust.ca_files naming it makes them.
func (p *testPKI) withIntermediate() *x509.CertPool {
	pool := p.labRoots.Clone()
	pool.AddCert(p.inter.Cert)
	return pool
}
