package scenarios

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/edge/policy"
)

func TestMain(m *testing.M) {
	// sipgo logs connection reference counting through its package default; keep test output readable.
	sip.SetDefaultLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

func library(t testing.TB) []*Scenario {
	t.Helper()
	list, err := Library()
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// Every scenario of the library runs end to end on loopback and matches its expect block.
func TestLibraryRunsAsExpected(t *testing.T) {
	for _, s := range library(t) {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.ErrorLevel)
			r := Run(context.Background(), s, Options{Logger: log, TempDir: t.TempDir()})
			if !r.Pass {
				t.Errorf("%s does not match its expect block:\n  %s\nwire:\n%s\nedge log:\n%s\nsteps:\n  %s\nnotes: %v",
					s.Name, strings.Join(r.Mismatches, "\n  "), r.Wire, r.EdgeLog, strings.Join(r.Steps, "\n  "), r.Notes)
			}
			if r.Duration > s.callTimeout()+setupMargin {
				t.Errorf("took %s", r.Duration)
			}
			if s.Expect.Status != 0 && r.Wire == "" {
				t.Errorf("no wire text recorded")
			}
			if s.Expect.ResultCode != "" && !strings.Contains(r.EdgeLog, "$$begin_record") {
				t.Errorf("no Edge-log record text recorded")
			}
		})
	}
}

// The library is complete and readable: titles, stories and expectations everywhere, unique names
// matching file names, every catalogue code exercised, and both directions of the core rules.
func TestLibraryIsComplete(t *testing.T) {
	list := library(t)
	if len(list) < 23 {
		t.Errorf("only %d scenarios", len(list))
	}
	names := map[string]bool{}
	codes := map[int][]string{}
	for _, s := range list {
		if names[s.Name] {
			t.Errorf("%s: duplicate name", s.Name)
		}
		names[s.Name] = true
		if want := "library/" + s.Name + ".yaml"; s.File != want {
			t.Errorf("%s: file %s, want %s", s.Name, s.File, want)
		}
		if strings.TrimSpace(s.Title) == "" || len(strings.TrimSpace(s.Story)) < 200 {
			t.Errorf("%s: title or story missing or too short to read aloud", s.Name)
		}
		for _, part := range []string{"Expressway-E", "Skype side"} {
			if !strings.Contains(s.Story, part) {
				t.Errorf("%s: the story never says what the %s shows", s.Name, part)
			}
		}
		if !strings.HasSuffix(s.Name, "-"+string(s.Direction)) {
			t.Errorf("%s: library names end in their direction (-%s)", s.Name, s.Direction)
		}
		if s.Direction == Outbound && s.Expect.ReachesPeer == nil {
			t.Errorf("%s: outbound scenarios say whether the INVITE reaches the Expressway-E", s.Name)
		}
		codes[s.Expect.Diagnostic] = append(codes[s.Expect.Diagnostic], s.Name)
	}
	for _, c := range policy.Codes() {
		if len(codes[c]) == 0 {
			t.Errorf("diagnostic %d (%s) is exercised by no scenario", c, policy.DiagnosticReason(c))
		}
	}
	for _, base := range []string{"happy", "srv-points-to-other-domain", "srv-points-to-subdomain",
		"srv-target-is-the-domain-itself", "cert-missing-srv-fqdn", "cert-cn-only-no-san", "cert-fqdn-only-in-cn-with-san",
		"cert-wildcard", "cert-untrusted-private-ca", "office365-needs-public-ca", "cert-expired", "no-srv-record",
		"srv-target-without-a-record", "several-srv-one-in-domain", "several-srv-none-in-domain", "blocked-domain",
		"allowed-domain-with-proxy-fqdn", "office365-public-ca"} {
		for _, d := range []Direction{Inbound, Outbound} {
			if !names[base+"-"+string(d)] {
				t.Errorf("%s has no %s twin", base, d)
			}
		}
	}
	for _, n := range []string{"peer-refuses-connection-outbound", "peer-tls-reset-outbound", "peer-no-client-cert-inbound",
		"faithful-mode-bare-504-inbound", "remote-failure-without-diagnostics-outbound"} {
		if !names[n] {
			t.Errorf("%s is missing", n)
		}
	}
}

// The library loads the same from a folder as embedded, in ORDER's order.
func TestLoadDirMatchesLibrary(t *testing.T) {
	emb := library(t)
	dir, err := LoadDir("library")
	if err != nil {
		t.Fatal(err)
	}
	if len(dir) != len(emb) {
		t.Fatalf("%d from the folder, %d embedded", len(dir), len(emb))
	}
	for i := range emb {
		if emb[i].Name != dir[i].Name || emb[i].Story != dir[i].Story {
			t.Errorf("#%d: %s vs %s", i, emb[i].Name, dir[i].Name)
		}
	}
	if emb[0].Name != "happy-inbound" {
		t.Errorf("the library does not start with the baseline: %s", emb[0].Name)
	}
}

func TestLoadDirErrors(t *testing.T) {
	good, err := os.ReadFile("library/happy-inbound.yaml")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("name differs from file", func(t *testing.T) {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "other.yaml"), string(good))
		_, err := LoadDir(dir)
		if err == nil || !strings.Contains(err.Error(), "other.yaml: key name:") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("no ORDER: file-name order", func(t *testing.T) {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "happy-inbound.yaml"), string(good))
		out, _ := os.ReadFile("library/happy-outbound.yaml")
		write(t, filepath.Join(dir, "happy-outbound.yaml"), string(out))
		list, err := LoadDir(dir)
		if err != nil || len(list) != 2 || list[0].Name != "happy-inbound" {
			t.Fatalf("%v %v", list, err)
		}
	})
	t.Run("ORDER lists a missing file and misses one", func(t *testing.T) {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "happy-inbound.yaml"), string(good))
		write(t, filepath.Join(dir, OrderFile), "# comment\nnot-here\n")
		_, err := LoadDir(dir)
		if err == nil || !strings.Contains(err.Error(), "ORDER:2: \"not-here\" has no file") ||
			!strings.Contains(err.Error(), "happy-inbound.yaml is not listed") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("find", func(t *testing.T) {
		if _, err := Find(library(t), "nope"); err == nil || !strings.Contains(err.Error(), "no such scenario") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("family", func(t *testing.T) {
		for name, want := range map[string]string{
			"cert-wildcard":                      "cert-wildcard-inbound cert-wildcard-outbound",
			"cert-wildcard-outbound":             "cert-wildcard-outbound",
			"peer-tls-reset":                     "peer-tls-reset-outbound",
			"remote-failure-without-diagnostics": "remote-failure-without-diagnostics-outbound",
		} {
			fam, err := Family(library(t), name)
			var got []string
			for _, s := range fam {
				got = append(got, s.Name)
			}
			if err != nil || strings.Join(got, " ") != want {
				t.Errorf("%s: %v %v", name, got, err)
			}
		}
		if _, err := Family(library(t), "cert"); !errors.Is(err, ErrNoScenario) {
			t.Errorf("a prefix is not a family: %v", err)
		}
	})
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// RunAll runs the whole library, reports each result once and keeps the library's order.
// How long that takes is BenchmarkRunAll's business.
func TestRunAllPassesInOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole library")
	}
	list := library(t)
	var done int
	results := RunAll(context.Background(), list, Options{TempDir: t.TempDir()}, 0, func(Result) { done++ })
	if done != len(list) || len(results) != len(list) {
		t.Fatalf("%d done, %d results, %d scenarios", done, len(results), len(list))
	}
	for i, r := range results {
		if r.Name != list[i].Name {
			t.Errorf("result %d is %s, want %s (order lost)", i, r.Name, list[i].Name)
		}
		if !r.Pass {
			t.Errorf("%s: %v", r.Name, r.Mismatches)
		}
	}
}

// BenchmarkRunAll is one run of the whole library, as in class and in CI; it used to be a test
// failing over 30s.
func BenchmarkRunAll(b *testing.B) {
	list := library(b)
	for b.Loop() {
		for _, r := range RunAll(context.Background(), list, Options{TempDir: b.TempDir()}, 0, nil) {
			if !r.Pass {
				b.Fatalf("%s: %v", r.Name, r.Mismatches)
			}
		}
	}
	b.ReportMetric(float64(len(list)), "scenarios")
}
