package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionInfoFromBuildInfo(t *testing.T) {
	stamped := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/edgesim/edgesim", Version: "v0.3.1"},
		Settings: []debug.BuildSetting{
			{Key: "-trimpath", Value: "true"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "4491691cafe"},
			{Key: "vcs.time", Value: "2026-11-26T05:41:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	v := versionInfoFrom(stamped)
	if v.Version != "v0.3.1" || v.Module != "github.com/edgesim/edgesim" || v.Revision != "4491691cafe" ||
		v.CommitTime != "2026-11-26T05:41:00Z" || v.Modified == nil || !*v.Modified || v.GoVersion != "go1.26.8" {
		t.Errorf("stamped build: %+v", v)
	}
	if v.OS != runtime.GOOS || v.Arch != runtime.GOARCH {
		t.Errorf("platform %s/%s", v.OS, v.Arch)
	}

	bare := versionInfoFrom(&debug.BuildInfo{Main: debug.Module{Path: "github.com/edgesim/edgesim"}})
	if bare.Version != "(devel)" || bare.Revision != unknown || bare.CommitTime != unknown || bare.Modified != nil ||
		bare.GoVersion != runtime.Version() {
		t.Errorf("unstamped build: %+v", bare)
	}
	none := versionInfoFrom(nil)
	if none.Version != "(devel)" || none.Module != unknown || none.Revision != unknown {
		t.Errorf("no build info: %+v", none)
	}
}

func TestVersionCommand(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := cli(t, dir, "version")
	if code != 0 || !strings.HasPrefix(out, "edgesim ") || !strings.Contains(out, "commit:") ||
		!strings.Contains(out, "platform:    "+runtime.GOOS+"/"+runtime.GOARCH) {
		t.Errorf("version: exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = cli(t, dir, "version", "--json")
	var v versionInfo
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v.GoVersion == "" || v.OS != runtime.GOOS || v.Version == "" {
		t.Errorf("version --json: exit %d\n%s%s", code, out, stderr)
	}
	if code, _, _ := cli(t, dir, "version", "extra"); code != exitUsage {
		t.Errorf("version extra: exit %d, want 2", code)
	}
}

// A binary built from this repository, as the Dockerfile builds it, reports the checked-out commit.
// -buildvcs=true overrides a GOFLAGS=-buildvcs=false of the environment.
func TestVersionOfARealBuildNamesTheCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not on PATH")
	}
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git not on PATH")
	}
	head, err := exec.Command(gitBin, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not a git work tree: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "edgesim")
	build := exec.Command(goBin, "build", "-trimpath", "-buildvcs=true", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatalf("edgesim version --json: %v", err)
	}
	var v versionInfo
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if after, err := exec.Command(gitBin, "rev-parse", "HEAD").Output(); err != nil || string(after) != string(head) {
		t.Skip("HEAD moved during the build")
	}
	if v.Revision != strings.TrimSpace(string(head)) || v.CommitTime == unknown || v.Modified == nil ||
		v.Module != "github.com/edgesim/edgesim" || v.Version == "" {
		t.Errorf("version of a build at %s:\n%s", head, out)
	}
}
