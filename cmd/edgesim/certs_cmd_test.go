package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCertsInitIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := cli(t, dir, "certs", "init")
	if code != 0 || !strings.Contains(out, "created lab CA") {
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
	first, _ := os.ReadFile(filepath.Join(dir, "edgesim-lab", "ca.pem"))
	code, out, _ = cli(t, dir, "certs", "init")
	second, _ := os.ReadFile(filepath.Join(dir, "edgesim-lab", "ca.pem"))
	if code != 0 || !strings.Contains(out, "kept existing") || string(first) != string(second) {
		t.Errorf("second init replaced the CA: %s", out)
	}
	if fi, err := os.Stat(filepath.Join(dir, "edgesim-lab", "ca.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("ca.key mode %v %v", fi.Mode(), err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "edgesim-lab")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("lab dir mode %v %v", fi.Mode(), err)
	}
	code, out, _ = cli(t, dir, "certs", "init", "--force", "--key-type", "rsa2048")
	third, _ := os.ReadFile(filepath.Join(dir, "edgesim-lab", "ca.pem"))
	if code != 0 || !strings.Contains(out, "created") || string(third) == string(first) {
		t.Errorf("--force did not replace the CA: %s", out)
	}
}

// certs issue makes every variant the spec needs and certs inspect gives the Edge's verdict on each.
func TestCertsIssueAndInspect(t *testing.T) {
	dir := t.TempDir()
	const fqdn = "vcse.acano.steven.lab"
	tests := []struct {
		name    string
		issue   []string
		code    int
		verdict []string
	}{
		{"SAN names the FQDN", []string{"--cn", fqdn}, 0, []string{"verdict: PASS"}},
		{"CN-only without SAN", []string{"--cn", fqdn, "--no-san"}, 0, []string{"verdict: PASS"}},
		{"certificate names another host", []string{"--cn", "vcse.steven.lab"}, 1,
			[]string{"verdict: FAIL", `ErrorType="The peer certificate does not contain a matching FQDN"`, `HRESULT="0x80090322(SEC_E_WRONG_PRINCIPAL)"`}},
		{"FQDN only in the CN while a SAN exists", []string{"--cn", fqdn, "--san", "vcse.steven.lab"}, 1, []string{"SEC_E_WRONG_PRINCIPAL"}},
		{"wildcard SAN", []string{"--cn", "vcse.steven.lab", "--san", "*.acano.steven.lab"}, 1, []string{"SEC_E_WRONG_PRINCIPAL"}},
		{"untrusted issuer", []string{"--cn", fqdn, "--issuer", "untrusted"}, 1,
			[]string{`ErrorType="The certificate chain was issued by an authority that is not trusted"`, "SEC_E_UNTRUSTED_ROOT"}},
		{"expired", []string{"--cn", fqdn, "--expired"}, 1, []string{`ErrorType="The received certificate has expired"`, "0x80090328(SEC_E_CERT_EXPIRED)"}},
		{"RSA key", []string{"--cn", fqdn, "--key-type", "rsa2048", "--days", "30"}, 0, []string{"verdict: PASS"}},
		{"no clientAuth", []string{"--cn", fqdn, "--eku", "server"}, 1,
			[]string{"rule usage:", "FAILS: no clientAuth", `HRESULT="0x800B0110(CERT_E_WRONG_USAGE)"`}},
		{"intermediate sent", []string{"--cn", fqdn, "--intermediate"}, 0, []string{"(depth 3), complete", "verdict: PASS"}},
		{"intermediate not sent", []string{"--cn", fqdn, "--no-intermediate"}, 1,
			[]string{"rule chain:", "its issuer edgesim Lab Intermediate CA was not sent", `HRESULT="0x800B010A(CERT_E_CHAINING)"`}},
		{"SHA-1 leaf", []string{"--cn", fqdn, "--sha1", "leaf", "--key-type", "rsa2048"}, 1,
			[]string{"rule signature: fail", "is signed with ECDSA-SHA1", `HRESULT="0x80090331(SEC_E_ALGORITHM_MISMATCH)"`}},
		{"SHA-1 intermediate", []string{"--cn", fqdn, "--sha1", "intermediate"}, 1, []string{"edgesim Lab SHA-1 Intermediate CA is signed with ECDSA-SHA1"}},
		{"self-signed factory certificate", []string{"--cn", fqdn, "--self-signed"}, 1, []string{"self-signed", "SEC_E_UNTRUSTED_ROOT"}},
		{"expiring soon", []string{"--cn", fqdn, "--days", "10"}, 0, []string{"warning: validity: the certificate expires in 9 days", "verdict: PASS"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix := filepath.Join(dir, "leaf"+string(rune('a'+i)))
			code, out, stderr := cli(t, dir, append([]string{"certs", "issue", "--out", prefix}, tc.issue...)...)
			if code != 0 {
				t.Fatalf("issue: exit %d %s", code, stderr)
			}
			if !strings.Contains(out, prefix+".pem") {
				t.Errorf("issue output does not name the file: %s", out)
			}
			if fi, err := os.Stat(prefix + ".key"); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("key mode %v %v", fi, err)
			}
			code, out, stderr = cli(t, dir, "certs", "inspect", prefix+".pem", "--fqdn", fqdn)
			if code != tc.code {
				t.Errorf("inspect exit %d, want %d\n%s%s", code, tc.code, out, stderr)
			}
			for _, w := range tc.verdict {
				if !strings.Contains(out, w) {
					t.Errorf("inspect output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	t.Run("inspect against an explicit CA", func(t *testing.T) {
		prefix := filepath.Join(dir, "public")
		if code, _, e := cli(t, dir, "certs", "issue", "--out", prefix, "--cn", fqdn, "--issuer", "public"); code != 0 {
			t.Fatal(e)
		}
		if code, out, _ := cli(t, dir, "certs", "inspect", prefix+".pem", "--fqdn", fqdn); code != 1 {
			t.Errorf("public CA trusted by default as the lab CA: %s", out)
		}
		pub := filepath.Join(dir, "edgesim-lab", "public-ca.pem")
		if code, out, _ := cli(t, dir, "certs", "inspect", prefix+".pem", "--fqdn", fqdn, "--ca", pub); code != 0 {
			t.Errorf("--ca not used: %s", out)
		}
	})
	t.Run("a chain that validates only thanks to the store warns", func(t *testing.T) {
		prefix := filepath.Join(dir, "cut")
		if code, _, e := cli(t, dir, "certs", "issue", "--out", prefix, "--cn", fqdn, "--no-intermediate"); code != 0 {
			t.Fatal(e)
		}
		lab := filepath.Join(dir, "edgesim-lab")
		code, out, _ := cli(t, dir, "certs", "inspect", prefix+".pem", "--fqdn", fqdn,
			"--ca", filepath.Join(lab, "ca.pem"), "--ca", filepath.Join(lab, "lab-intermediate.pem"))
		if code != 0 || !strings.Contains(out, "warning: chain: it validates only thanks to the local store") {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
	t.Run("unreadable input exits 2 naming the file", func(t *testing.T) {
		bad := writeFile(t, filepath.Join(dir, "garbage.pem"), "not a certificate\n")
		code, _, stderr := cli(t, dir, "certs", "inspect", bad, "--fqdn", fqdn)
		if code != 2 || !strings.Contains(stderr, "garbage.pem") {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
}
