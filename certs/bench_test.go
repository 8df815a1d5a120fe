package certs

import (
	"testing"
	"time"
)

func BenchmarkCheck(b *testing.B) {
	l := newLab(b)
	leaf := mustIssue(b, l.lab, LeafRequest{CommonName: "vcse.acano.steven.lab"})
	in := CheckInput{Chain: leaf.Chain, FQDN: "vcse.acano.steven.lab", Roots: poolOf(l.lab), Now: time.Now()}
	if r := Check(in); r.Fault != FaultNone {
		b.Fatalf("setup: %v %s", r.Fault, r.Detail)
	}
	b.ReportAllocs()
	for b.Loop() {
		if r := Check(in); r.Fault != FaultNone {
			b.Fatal(r.Fault)
		}
	}
}

func BenchmarkIssueECDSA(b *testing.B) {
	l := newLab(b)
	req := LeafRequest{CommonName: "vcse.acano.steven.lab"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.lab.Issue(req); err != nil {
			b.Fatal(err)
		}
	}
}
