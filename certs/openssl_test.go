package certs

import (
	"encoding/hex"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenSSLCrossCheck has an independent X.509 implementation judge our
// certificates, so a mistake shared by our issuer and crypto/x509's verifier
// cannot hide.
func TestOpenSSLCrossCheck(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not on PATH")
	}
	run := func(args ...string) (string, error) {
		out, err := exec.Command(openssl, args...).CombinedOutput()
		return string(out), err
	}
	dir := t.TempDir()
	lab, _, err := EnsureCA(filepath.Join(dir, "lab"), IssuerLab, CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	untrusted, _, err := EnsureCA(filepath.Join(dir, "lab"), IssuerUntrusted, CAOptions{KeyType: KeyRSA2048})
	if err != nil {
		t.Fatal(err)
	}
	rsaLab, _, err := EnsureCA(filepath.Join(dir, "rsa-lab"), IssuerLab, CAOptions{KeyType: KeyRSA2048})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		ca       *CA
		req      LeafRequest
		verifyOK bool
		failWith string
	}{
		{"ecdsa lab leaf", lab, LeafRequest{CommonName: "vcse.acano.steven.lab", SANs: []string{"vcse.acano.steven.lab", "vcse.steven.lab"}}, true, ""},
		{"rsa lab leaf", lab, LeafRequest{CommonName: "vcse.acano.steven.lab", KeyType: KeyRSA2048}, true, ""},
		{"rsa leaf from rsa CA", rsaLab, LeafRequest{CommonName: "vcse.acano.steven.lab", KeyType: KeyRSA2048}, true, ""},
		{"untrusted issuer", untrusted, LeafRequest{CommonName: "vcse.acano.steven.lab"}, false, "unable to get local issuer certificate"},
		{"expired", lab, LeafRequest{CommonName: "vcse.acano.steven.lab", Expired: true}, false, "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaf := mustIssue(t, tt.ca, tt.req)
			certFile, keyFile, err := leaf.WriteFiles(filepath.Join(t.TempDir(), "leaf"))
			if err != nil {
				t.Fatal(err)
			}
			caFile := lab.CertFile
			if tt.ca == rsaLab {
				caFile = rsaLab.CertFile
			}
			// The lab's ca.pem is always the trust anchor: the untrusted
			// leaf must fail against it.
			for _, purpose := range []string{"", "sslserver", "sslclient"} {
				args := []string{"verify", "-CAfile", caFile}
				if purpose != "" {
					args = append(args, "-purpose", purpose)
				}
				out, err := run(append(args, certFile)...)
				ok := err == nil && strings.HasSuffix(strings.TrimSpace(out), ": OK")
				if ok != tt.verifyOK {
					t.Errorf("openssl verify purpose=%q: ok=%v, want %v\n%s", purpose, ok, tt.verifyOK, out)
				}
				if !tt.verifyOK && !strings.Contains(out, tt.failWith) {
					t.Errorf("openssl verify output lacks %q:\n%s", tt.failWith, out)
				}
			}

			out, err := run("x509", "-noout", "-ext", "subjectAltName", "-in", certFile)
			if err != nil {
				t.Fatalf("openssl x509: %v\n%s", err, out)
			}
			for _, san := range leaf.Chain[0].DNSNames {
				if !strings.Contains(out, "DNS:"+san) {
					t.Errorf("openssl sees SANs %q, lacks DNS:%s", out, san)
				}
			}
			if n := strings.Count(out, "DNS:"); n != len(leaf.Chain[0].DNSNames) {
				t.Errorf("openssl sees %d DNS SANs, want %d:\n%s", n, len(leaf.Chain[0].DNSNames), out)
			}

			// openssl must read our PKCS#8 key and agree it is the leaf's.
			certPub, err := run("x509", "-noout", "-pubkey", "-in", certFile)
			if err != nil {
				t.Fatalf("openssl x509 -pubkey: %v\n%s", err, certPub)
			}
			keyPub, err := run("pkey", "-pubout", "-in", keyFile)
			if err != nil {
				t.Fatalf("openssl pkey: %v\n%s", err, keyPub)
			}
			if certPub != keyPub {
				t.Errorf("openssl: key file's public key differs from the certificate's")
			}
		})
	}

	t.Run("CN-only has no SAN extension", func(t *testing.T) {
		leaf := mustIssue(t, lab, LeafRequest{CommonName: "vcse.acano.steven.lab", NoSAN: true})
		certFile, _, err := leaf.WriteFiles(filepath.Join(t.TempDir(), "leaf"))
		if err != nil {
			t.Fatal(err)
		}
		out, err := run("x509", "-noout", "-ext", "subjectAltName", "-in", certFile)
		if err != nil {
			t.Fatalf("openssl x509: %v\n%s", err, out)
		}
		if strings.Contains(out, "Subject Alternative Name") || strings.Contains(out, "DNS:") {
			t.Errorf("openssl finds a SAN extension:\n%s", out)
		}
		out, err = run("verify", "-CAfile", lab.CertFile, certFile)
		if err != nil || !strings.HasSuffix(strings.TrimSpace(out), ": OK") {
			t.Errorf("openssl verify of CN-only leaf: %v\n%s", err, out)
		}
	})

	t.Run("subject key identifier is RFC 5280 method 1", func(t *testing.T) {
		out, err := run("x509", "-noout", "-ext", "subjectKeyIdentifier", "-in", lab.CertFile)
		if err != nil {
			t.Fatalf("openssl x509: %v\n%s", err, out)
		}
		want := strings.ToUpper(hex.EncodeToString(lab.Cert.SubjectKeyId))
		got := strings.ReplaceAll(strings.TrimSpace(out[strings.Index(out, "\n")+1:]), ":", "")
		if got != want {
			t.Errorf("openssl SKID %s, ours %s", got, want)
		}
	})
}
