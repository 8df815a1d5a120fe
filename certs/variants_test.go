package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const variantFQDN = "vcse.acano.steven.lab"

func TestIssueEKUVariants(t *testing.T) {
	l := newLab(t)
	for _, tt := range []struct {
		eku  EKU
		want []x509.ExtKeyUsage
	}{
		{"", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}},
		{EKUServer, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
		{EKUClient, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}},
	} {
		leaf := mustIssue(t, l.lab, LeafRequest{CommonName: variantFQDN, EKU: tt.eku})
		if got := leaf.Chain[0].ExtKeyUsage; !slices.Equal(got, tt.want) {
			t.Errorf("eku %q: %v, want %v", tt.eku, got, tt.want)
		}
	}
	if _, err := ParseEKU("codesigning"); err == nil {
		t.Error("ParseEKU accepted codesigning")
	}
}

// Each variant meets the rule with the fault it exists to show, in the direction that matters.
func TestCheckVariants(t *testing.T) {
	l := newLab(t)
	inter, err := EnsureIntermediate(l.dir, l.lab)
	if err != nil {
		t.Fatal(err)
	}
	sha1Inter, err := NewIntermediate(l.lab, true)
	if err != nil {
		t.Fatal(err)
	}
	withInter := poolOf(l.lab)
	withInter.AddCert(inter.Cert)
	req := LeafRequest{CommonName: variantFQDN}
	variant := func(ca *CA, f func(*LeafRequest)) []*x509.Certificate {
		r := req
		f(&r)
		return mustIssue(t, ca, r).Chain
	}
	tests := []struct {
		name  string
		chain []*x509.Certificate
		usage x509.ExtKeyUsage
		roots *x509.CertPool
		want  Fault
		in    string // part of the detail
	}{
		{"server-only as client", variant(l.lab, func(r *LeafRequest) { r.EKU = EKUServer }), x509.ExtKeyUsageClientAuth, poolOf(l.lab), FaultWrongUsage, "needs clientAuth"},
		{"client-only as server", variant(l.lab, func(r *LeafRequest) { r.EKU = EKUClient }), x509.ExtKeyUsageServerAuth, poolOf(l.lab), FaultWrongUsage, "needs serverAuth"},
		{"intermediate sent", variant(inter, func(*LeafRequest) {}), x509.ExtKeyUsageClientAuth, poolOf(l.lab), FaultNone, ""},
		{"intermediate omitted", variant(inter, func(r *LeafRequest) { r.OmitIntermediate = true }), x509.ExtKeyUsageClientAuth, poolOf(l.lab), FaultIncompleteChain, "edgesim Lab Intermediate CA"},
		{"intermediate omitted, in the store", variant(inter, func(r *LeafRequest) { r.OmitIntermediate = true }), x509.ExtKeyUsageClientAuth, withInter, FaultNone, ""},
		{"sha-1 leaf", variant(l.lab, func(r *LeafRequest) { r.SHA1 = true }), x509.ExtKeyUsageServerAuth, poolOf(l.lab), FaultWeakSignature, "SHA1"},
		{"sha-1 rsa leaf", variant(l.lab, func(r *LeafRequest) { r.SHA1, r.KeyType = true, KeyRSA2048 }), x509.ExtKeyUsageServerAuth, poolOf(l.lab), FaultWeakSignature, "SHA1"},
		{"sha-1 intermediate", variant(sha1Inter, func(*LeafRequest) {}), x509.ExtKeyUsageServerAuth, poolOf(l.lab), FaultWeakSignature, "SHA-1 Intermediate"},
		{"self-signed", variant(l.lab, func(r *LeafRequest) { r.SelfSigned = true }), x509.ExtKeyUsageClientAuth, poolOf(l.lab), FaultUntrustedRoot, "self-signed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Check(CheckInput{Chain: tt.chain, FQDN: variantFQDN, Roots: tt.roots, Usage: tt.usage})
			if res.Fault != tt.want || !strings.Contains(res.Detail, tt.in) {
				t.Errorf("fault %s (%s), want %s with %q", res.Fault, res.Detail, tt.want, tt.in)
			}
		})
	}
}

func TestChainShapes(t *testing.T) {
	l := newLab(t)
	inter, err := EnsureIntermediate(l.dir, l.lab)
	if err != nil {
		t.Fatal(err)
	}
	again, err := EnsureIntermediate(l.dir, l.lab)
	if err != nil || !again.Cert.Equal(inter.Cert) {
		t.Fatalf("the intermediate was not kept: %v", err)
	}
	sent := mustIssue(t, inter, LeafRequest{CommonName: variantFQDN}).Chain
	omitted := mustIssue(t, inter, LeafRequest{CommonName: variantFQDN, OmitIntermediate: true}).Chain
	self := mustIssue(t, l.lab, LeafRequest{CommonName: variantFQDN, SelfSigned: true}).Chain
	if len(sent) != 3 || len(omitted) != 2 || len(self) != 1 {
		t.Fatalf("chain lengths %d, %d, %d; want 3, 2, 1", len(sent), len(omitted), len(self))
	}
	if top := SentPathTop(sent); top != sent[2] {
		t.Errorf("complete chain tops at %s", top.Subject.CommonName)
	}
	if top := SentPathTop(omitted); top != omitted[0] {
		t.Errorf("chain without intermediate tops at %s, want the leaf", top.Subject.CommonName)
	}
	if !IsSelfSigned(self[0]) || self[0].CheckSignature(self[0].SignatureAlgorithm, self[0].RawTBSCertificate, self[0].Signature) != nil {
		t.Error("the self-signed leaf does not sign itself")
	}
}

// The hand-made SHA-1 signature is a real one over the TBSCertificate, by the issuer's key.
func TestSHA1SignatureVerifies(t *testing.T) {
	for _, kt := range []KeyType{KeyECDSAP256, KeyRSA2048} {
		t.Run(string(kt), func(t *testing.T) {
			ca, _, err := EnsureCA(t.TempDir(), IssuerLab, CAOptions{KeyType: kt})
			if err != nil {
				t.Fatal(err)
			}
			leaf := mustIssue(t, ca, LeafRequest{CommonName: variantFQDN, SHA1: true}).Chain[0]
			if !IsSHA1(leaf) {
				t.Fatalf("signature algorithm %s", leaf.SignatureAlgorithm)
			}
			sum := sha1.Sum(leaf.RawTBSCertificate)
			switch pub := ca.Cert.PublicKey.(type) {
			case *rsa.PublicKey:
				err = rsa.VerifyPKCS1v15(pub, crypto.SHA1, sum[:], leaf.Signature)
			case *ecdsa.PublicKey:
				if !ecdsa.VerifyASN1(pub, sum[:], leaf.Signature) {
					err = errSignature
				}
			}
			if err != nil {
				t.Errorf("signature does not verify: %v", err)
			}
		})
	}
}

var errSignature = errors.New("ecdsa signature does not verify")

// openssl names the signature algorithm as people will read it in `openssl x509 -text`.
func TestSHA1OpenSSLText(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not on PATH: cannot show the SHA-1 signature as openssl prints it")
	}
	for _, tt := range []struct {
		kt   KeyType
		want string
	}{{KeyRSA2048, "sha1WithRSAEncryption"}, {KeyECDSAP256, "ecdsa-with-SHA1"}} {
		dir := t.TempDir()
		ca, _, err := EnsureCA(dir, IssuerLab, CAOptions{KeyType: tt.kt})
		if err != nil {
			t.Fatal(err)
		}
		certFile, _, err := mustIssue(t, ca, LeafRequest{CommonName: variantFQDN, SHA1: true}).WriteFiles(filepath.Join(dir, "leaf"))
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(openssl, "x509", "-in", certFile, "-noout", "-text").CombinedOutput()
		if err != nil {
			t.Fatalf("openssl x509: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "Signature Algorithm: "+tt.want) {
			t.Errorf("%s: openssl does not show %s:\n%s", tt.kt, tt.want, out)
		}
	}
}
