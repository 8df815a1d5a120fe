package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cli runs edgesim in dir with args and returns its exit code and output.
func cli(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	return cliCtx(t, context.Background(), dir, args...)
}

func cliCtx(t *testing.T, ctx context.Context, dir string, args ...string) (int, string, string) {
	t.Helper()
	if dir != "" {
		t.Chdir(dir)
	}
	var out, errb bytes.Buffer
	code := runCLI(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigErrorsNameFileLineAndKey(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", "edge:\n  fqdn: sip.skype.lab\n  listn: 127.0.0.1:5061\n",
			[]string{"bad.yaml:3: key edge.listn: unknown key \"listn\""}},
		{"wrong type", "edge:\n  max_message_bytes: lots\n",
			[]string{"bad.yaml:2: key edge.max_message_bytes:", "lots"}},
		{"unknown section", "edg:\n  fqdn: x\n", []string{"bad.yaml:1: key edg:"}},
		{"invalid value", "edge:\n  diagnostics: chatty\n", []string{"bad.yaml", `edge.diagnostics: "chatty" is not one of annotated, faithful`}},
		{"bad duration", "edge:\n  idle_timeout: soon\n", []string{"bad.yaml:2: key edge.idle_timeout:"}},
		{"not YAML", "edge: [\n", []string{"bad.yaml:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := writeFile(t, filepath.Join(dir, "bad.yaml"), tc.yaml)
			code, _, stderr := cli(t, dir, "certs", "init", "--config", f)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
	t.Run("missing explicit file", func(t *testing.T) {
		code, _, stderr := cli(t, dir, "certs", "init", "--config", filepath.Join(dir, "nope.yaml"))
		if code != exitUsage || !strings.Contains(stderr, "nope.yaml") {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
}

func TestConfigLayers(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "edgesim.yaml"), "lab:\n  dir: ./from-file\nedge:\n  fqdn: edge.from.file\n")
	a := &app{ctx: context.Background()}
	t.Chdir(dir)
	t.Setenv("EDGESIM_EDGE_FQDN", "edge.from.env")
	t.Setenv("EDGESIM_EDGE_DOMAINS", "a.lab,b.lab")
	t.Setenv("EDGESIM_EDGE_IDLE_TIMEOUT", "90s")
	t.Setenv("EDGESIM_EDGE_REQUIRE_CLIENT_CERT", "false")
	cfg, err := a.loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Lab.Dir != "./from-file" || cfg.Edge.FQDN != "edge.from.env" || strings.Join(cfg.Edge.Domains, ",") != "a.lab,b.lab" ||
		cfg.Edge.IdleTimeout.String() != "1m30s" || cfg.Edge.RequireClientCert {
		t.Errorf("layers not applied: %+v", cfg)
	}
	if cfg.Edge.ServerHeader != "RTC/6.0" || cfg.DNS.Listen != "127.0.0.1:5353" {
		t.Errorf("defaults lost: %+v", cfg)
	}
	t.Setenv("EDGESIM_EDGE_DIAGNOSTICS", "loud")
	if _, err := a.loadConfig(); err == nil || !strings.Contains(err.Error(), "edge.diagnostics") {
		t.Errorf("bad environment value not named: %v", err)
	}
}

func TestZonesWithDottedNamesSurviveLoading(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "edgesim.yaml"), "dns:\n  zones:\n    acano.steven.lab: |\n      vcse 300 IN A 127.0.0.1\n")
	t.Chdir(dir)
	cfg, err := (&app{ctx: context.Background()}).loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.DNS.Zones["acano.steven.lab"]; !strings.Contains(got, "vcse 300 IN A 127.0.0.1") {
		t.Errorf("zones = %#v", cfg.DNS.Zones)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"no-such-command"},
		{"certs", "issue", "--cn", "x"},
		{"certs", "issue", "--cn", "x", "--out", "p", "--issuer", "nobody"},
		{"certs", "issue", "--cn", "x", "--out", "p", "--no-san", "--san", "y"},
		{"certs", "inspect"},
		{"certs", "inspect", "missing.pem", "--fqdn", "x"},
		{"run", "extra-arg"},
		{"--log-format", "xml", "run"},
		{"certs", "init", "--bogus-flag"},
	} {
		if code, _, stderr := cli(t, dir, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
	}
}

// Every command explains itself with an example, as the contract asks.
func TestEveryCommandHasHelpAndExample(t *testing.T) {
	a := &app{ctx: context.Background()}
	root := a.rootCmd()
	stack := root.Commands()
	for len(stack) > 0 {
		c := stack[0]
		stack = append(stack[1:], c.Commands()...)
		if c.Name() == "help" || c.Name() == "completion" || c.Hidden {
			continue
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%q has no Example", c.CommandPath())
		}
		if strings.TrimSpace(c.Short) == "" {
			t.Errorf("%q has no Short description", c.CommandPath())
		}
	}
	code, out, _ := cli(t, t.TempDir(), "certs", "issue", "--help")
	if code != 0 || !strings.Contains(out, "Examples:") || !strings.Contains(out, "--no-san") {
		t.Errorf("help: exit %d\n%s", code, out)
	}
}
