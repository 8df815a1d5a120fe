package edge

import (
	"bytes"
	"crypto/x509"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/edge/policy"
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

// reparse is the chain as another connection delivers it: the same bytes, certificates of its own.
func reparse(t *testing.T, chain []*x509.Certificate) []*x509.Certificate {
	t.Helper()
	out := make([]*x509.Certificate, len(chain))
	for i, c := range chain {
		var err error
		if out[i], err = x509.ParseCertificate(bytes.Clone(c.Raw)); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// The explanation memo finds a chain by its content: the connections of one peer share one entry
// (an idle connection holds none of its own), and a chain that differs anywhere gets its own rule.
func TestExplainMemoKeysOnTheChainsContent(t *testing.T) {
	p := newTestPKI(t)
	chain := p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	if len(chain) < 2 {
		t.Fatalf("want a leaf and its issuer, got %d certificates", len(chain))
	}
	m := newExplainMemo(16)
	builds := 0
	explain := func(chain []*x509.Certificate, minute int64, detail string) policy.Rule {
		return m.Explain(policy.ExplainKey{Chain: chain, Candidates: "vcse.acano.steven.lab", Minute: minute},
			func() policy.Rule { builds++; return policy.Rule{Detail: detail} })
	}
	first := explain(chain, 1, "first")
	for i := range 3 { // three more connections of the same peer
		if got := explain(reparse(t, chain), 1, "again"); got.Detail != first.Detail {
			t.Fatalf("connection %d: rule %q, want the remembered %q", i, got.Detail, first.Detail)
		}
	}
	if builds != 1 || m.n != 1 {
		t.Fatalf("4 connections with one chain: %d builds, %d entries; want 1 and 1", builds, m.n)
	}
	if got := explain(chain[:1], 1, "leaf alone"); got.Detail != "leaf alone" {
		t.Errorf("the leaf without its issuer got %q, the rule of the whole chain", got.Detail)
	}
	other := reparse(t, chain)
	other[1] = p.CAs[certs.IssuerPublic].Cert // same leaf and length, another certificate after it
	if got := explain(other, 1, "other tail"); got.Detail != "other tail" {
		t.Errorf("a chain with another second certificate got %q", got.Detail)
	}
	if got := explain(chain, 2, "next minute"); got.Detail != "next minute" {
		t.Errorf("the next minute got %q", got.Detail)
	}
	if builds != 4 {
		t.Errorf("%d builds, want 4", builds)
	}
	again := reparse(t, chain)
	if n := testing.AllocsPerRun(100, func() { explain(again, 1, "") }); n != 0 {
		t.Errorf("a remembered rule costs %v allocations, want 0", n)
	}
	if got := explain([]*x509.Certificate{nil}, 1, "no leaf"); got.Detail != "no leaf" {
		t.Errorf("a chain without a leaf got %q", got.Detail)
	}
}

// The memo is bounded: past its maximum it starts over.
func TestExplainMemoIsBounded(t *testing.T) {
	p := newTestPKI(t)
	m := newExplainMemo(3)
	chain := p.Chain(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	for minute := range int64(10) {
		m.Explain(policy.ExplainKey{Chain: chain, Minute: minute}, func() policy.Rule { return policy.Rule{} })
		if m.n > 3 || len(m.byLeaf) > 1 {
			t.Fatalf("after minute %d: %d entries under %d leaves, want at most 3 under 1", minute, m.n, len(m.byLeaf))
		}
	}
}
