package main

import (
	"context"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/edgesim/edgesim/config"
)

// No container engine runs here, so the image and compose contracts are checked by reading the files:
// names and values the binary reads must be the ones the files set.

type instruction struct{ cmd, args string }

// dockerfile returns the instructions of the Dockerfile, continuation lines joined, comments dropped.
func dockerfile(t *testing.T) []instruction {
	t.Helper()
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var out []instruction
	var cur strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		cont := strings.HasSuffix(trimmed, "\\")
		cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
		if cont {
			continue
		}
		cmd, args, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		out = append(out, instruction{strings.ToUpper(cmd), strings.Join(strings.Fields(args), " ")})
		cur.Reset()
	}
	return out
}

func lastArgs(ins []instruction, cmd string) string {
	v := ""
	for _, i := range ins {
		if i.cmd == cmd {
			v = i.args
		}
	}
	return v
}

// envNames maps every EDGESIM_* variable name to its configuration key.
func envNames() map[string]string {
	out := map[string]string{}
	for _, k := range configKeys(reflect.TypeOf(config.Default()), nil) {
		if strings.Contains(strings.Join(k, "."), "[]") {
			continue
		}
		out["EDGESIM_"+strings.ToUpper(strings.Join(k, "_"))] = strings.Join(k, ".")
	}
	return out
}

type composeFile struct {
	Services map[string]struct {
		Build       any               `yaml:"build"`
		Environment map[string]string `yaml:"environment"`
		Ports       []string          `yaml:"ports"`
		Volumes     []struct {
			Type     string `yaml:"type"`
			Source   string `yaml:"source"`
			Target   string `yaml:"target"`
			ReadOnly bool   `yaml:"read_only"`
		} `yaml:"volumes"`
		Healthcheck struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func TestDockerfileContract(t *testing.T) {
	ins := dockerfile(t)
	var froms []string
	env := map[string]string{}
	for _, i := range ins {
		switch i.cmd {
		case "FROM":
			froms = append(froms, i.args)
		case "ENV":
			for _, kv := range regexp.MustCompile(`(\w+)=(\S+)`).FindAllStringSubmatch(i.args, -1) {
				env[kv[1]] = kv[2]
			}
		}
	}
	if len(froms) < 2 || !strings.HasPrefix(froms[0], "golang:") {
		t.Fatalf("want a golang build stage and a runtime stage, got FROM %q", froms)
	}
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	if goLine == nil || !strings.HasPrefix(froms[0], "golang:"+string(goLine[1])+" ") {
		t.Errorf("build stage %q does not match go.mod's go %s", froms[0], goLine[1])
	}
	build := ""
	for _, i := range ins {
		if i.cmd == "RUN" && strings.Contains(i.args, "go build") {
			build = i.args
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "./cmd/edgesim"} {
		if !strings.Contains(build, want) {
			t.Errorf("the go build lacks %s: %q", want, build)
		}
	}
	known := envNames()
	for name := range env {
		if strings.HasPrefix(name, "EDGESIM_") && known[name] == "" {
			t.Errorf("ENV %s is no configuration key", name)
		}
	}
	for _, name := range []string{"EDGESIM_LAB_DIR", "EDGESIM_EDGE_LISTEN", "EDGESIM_DNS_LISTEN"} {
		if env[name] == "" {
			t.Errorf("ENV %s is not set", name)
		}
	}
	for name, v := range env {
		t.Setenv(name, v)
	}
	t.Chdir(t.TempDir())
	if _, err := (&app{ctx: context.Background()}).loadConfig(); err != nil {
		t.Errorf("the image's environment is not a valid configuration: %v", err)
	}
	if v := lastArgs(ins, "VOLUME"); v != env["EDGESIM_LAB_DIR"] {
		t.Errorf("VOLUME %q is not the lab directory %q", v, env["EDGESIM_LAB_DIR"])
	}
	expose := strings.Fields(lastArgs(ins, "EXPOSE"))
	sipPort := env["EDGESIM_EDGE_LISTEN"][strings.LastIndex(env["EDGESIM_EDGE_LISTEN"], ":")+1:]
	dnsPort := env["EDGESIM_DNS_LISTEN"][strings.LastIndex(env["EDGESIM_DNS_LISTEN"], ":")+1:]
	for _, want := range []string{sipPort + "/tcp", dnsPort + "/udp", dnsPort + "/tcp"} {
		if !slices.Contains(expose, want) {
			t.Errorf("EXPOSE %v lacks %s", expose, want)
		}
	}
	if u := lastArgs(ins, "USER"); u == "" || strings.HasPrefix(u, "0") || strings.HasPrefix(u, "root") {
		t.Errorf("USER %q: the image must run as a non-root user", u)
	}
	if e, c := lastArgs(ins, "ENTRYPOINT"), lastArgs(ins, "CMD"); e != `["edgesim"]` || c != `["run"]` {
		t.Errorf("ENTRYPOINT %s CMD %s; want [\"edgesim\"] [\"run\"]", e, c)
	}
	if h := lastArgs(ins, "HEALTHCHECK"); !strings.Contains(h, `CMD ["edgesim", "health"]`) {
		t.Errorf("HEALTHCHECK %q does not run edgesim health", h)
	}
	if w := lastArgs(ins, "WORKDIR"); w != "/etc/edgesim" {
		t.Errorf("WORKDIR %q: the compose file mounts edgesim.yaml in /etc/edgesim", w)
	}
}

func TestComposeFileContract(t *testing.T) {
	b, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	if err := yaml.Unmarshal(b, &cf); err != nil {
		t.Fatal(err)
	}
	svc, ok := cf.Services["edgesim"]
	if !ok || svc.Build == nil {
		t.Fatalf("no edgesim service built from the Dockerfile: %+v", cf)
	}
	known := envNames()
	for name := range svc.Environment {
		if known[name] == "" {
			t.Errorf("environment %s is no configuration key", name)
		}
	}
	ins := dockerfile(t)
	for _, i := range ins {
		if i.cmd != "ENV" {
			continue
		}
		for _, kv := range regexp.MustCompile(`(\w+)=(\S+)`).FindAllStringSubmatch(i.args, -1) {
			if v, set := svc.Environment[kv[1]]; set && v != kv[2] {
				t.Errorf("environment %s=%s differs from the image's %s", kv[1], v, kv[2])
			}
		}
	}
	for _, want := range []string{":5061:5061/tcp", ":53:5353/udp", ":53:5353/tcp"} {
		if !slices.ContainsFunc(svc.Ports, func(p string) bool { return strings.HasSuffix(p, want) }) {
			t.Errorf("ports %v do not publish %s", svc.Ports, want)
		}
	}
	if h := strings.Join(svc.Healthcheck.Test, " "); h != "CMD edgesim health" {
		t.Errorf("healthcheck %q, want CMD edgesim health", h)
	}
	var conf, lab bool
	for _, v := range svc.Volumes {
		switch {
		case v.Type == "bind" && v.Source == "./edgesim.yaml" && v.Target == lastArgs(ins, "WORKDIR")+"/edgesim.yaml" && v.ReadOnly:
			conf = true
		case v.Type == "volume" && v.Target == lastArgs(ins, "VOLUME"):
			_, lab = cf.Volumes[v.Source]
		}
	}
	if !conf || !lab {
		t.Errorf("want ./edgesim.yaml mounted read-only in the working directory (%t) and a named volume on the lab directory (%t)", conf, lab)
	}
}
