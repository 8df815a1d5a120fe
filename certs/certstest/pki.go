// Package certstest is the lab PKI tests issue their peers' certificates from: a lab directory in
// t.TempDir() with the lab, untrusted and public CAs and the lab intermediate, real certificates from
// the certs package, no committed keys.
package certstest

import (
	"crypto/x509"
	"testing"

	"github.com/edgesim/edgesim/certs"
)

// PKI issues peer chains on demand.
type PKI struct {
	T                     testing.TB
	Dir                   string
	CAs                   map[certs.Issuer]*certs.CA
	LabCA                 *certs.CA
	Inter                 *certs.CA // the lab intermediate, under LabCA
	LabRoots, PublicRoots *x509.CertPool
}

// New makes the lab's CAs in a fresh t.TempDir().
func New(t testing.TB) *PKI {
	t.Helper()
	p := &PKI{T: t, Dir: t.TempDir(), CAs: map[certs.Issuer]*certs.CA{}}
	for _, iss := range []certs.Issuer{certs.IssuerLab, certs.IssuerUntrusted, certs.IssuerPublic} {
		ca, _, err := certs.EnsureCA(p.Dir, iss, certs.CAOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.CAs[iss] = ca
	}
	p.LabCA = p.CAs[certs.IssuerLab]
	inter, err := certs.EnsureIntermediate(p.Dir, p.LabCA)
	if err != nil {
		t.Fatal(err)
	}
	p.Inter = inter
	p.LabRoots = x509.NewCertPool()
	p.LabRoots.AddCert(p.LabCA.Cert)
	p.PublicRoots = x509.NewCertPool()
	p.PublicRoots.AddCert(p.CAs[certs.IssuerPublic].Cert)
	return p
}

// Leaf issues req from iss.
func (p *PKI) Leaf(iss certs.Issuer, req certs.LeafRequest) *certs.Leaf {
	p.T.Helper()
	l, err := p.CAs[iss].Issue(req)
	if err != nil {
		p.T.Fatal(err)
	}
	return l
}

// Chain is Leaf's chain, leaf first.
func (p *PKI) Chain(iss certs.Issuer, req certs.LeafRequest) []*x509.Certificate {
	return p.Leaf(iss, req).Chain
}

// ViaIntermediate issues from the lab intermediate; req.OmitIntermediate leaves it out of the chain.
func (p *PKI) ViaIntermediate(req certs.LeafRequest) []*x509.Certificate {
	p.T.Helper()
	l, err := p.Inter.Issue(req)
	if err != nil {
		p.T.Fatal(err)
	}
	return l.Chain
}

// WithIntermediate is the lab's roots plus the lab intermediate, as edge.trust.ca_files naming it makes them.
func (p *PKI) WithIntermediate() *x509.CertPool {
	pool := p.LabRoots.Clone()
	pool.AddCert(p.Inter.Cert)
	return pool
}
