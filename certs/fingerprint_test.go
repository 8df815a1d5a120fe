package certs

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestFingerprint(t *testing.T) {
	l := newLab(t)
	a := mustIssue(t, l.lab, LeafRequest{CommonName: "a.lab"})
	b := mustIssue(t, l.lab, LeafRequest{CommonName: "a.lab"})
	fa := Fingerprint(a.Chain[0])
	if !regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(fa) {
		t.Errorf("Fingerprint %q is not 32 colon-separated upper-case hex bytes", fa)
	}
	if fa == Fingerprint(b.Chain[0]) {
		t.Error("two different certificates share a fingerprint")
	}
	if fa != Fingerprint(a.Chain[0]) {
		t.Error("fingerprint is not stable")
	}

	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not on PATH")
	}
	certFile, _, err := a.WriteFiles(filepath.Join(t.TempDir(), "a"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(openssl, "x509", "-noout", "-fingerprint", "-sha256", "-in", certFile).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
	_, got, _ := strings.Cut(strings.TrimSpace(string(out)), "=")
	if got != fa {
		t.Errorf("openssl fingerprint %s, ours %s", got, fa)
	}
}
