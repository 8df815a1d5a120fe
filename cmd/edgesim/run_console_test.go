package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// `edgesim run` prints the console's URL in its banner, and the console answers there.
func TestRunServesTheConsoleAndPrintsItsURL(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("EDGESIM_EDGE_LISTEN", "127.0.0.1:0")
	t.Setenv("EDGESIM_DNS_LISTEN", "127.0.0.1:0")
	t.Setenv("EDGESIM_CONSOLE_LISTEN", "127.0.0.1:0")
	out, errb := startRun(t, "run")
	urlRE := regexp.MustCompile(`console:\s+(http://127\.0\.0\.1:\d+/)`)
	var url string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && url == ""; time.Sleep(20 * time.Millisecond) {
		if m := urlRE.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		t.Fatalf("no console URL in the banner:\n%s\n%s", out.String(), errb.String())
	}
	for _, page := range []string{"", "lab", "scenarios"} {
		res, err := http.Get(url + page)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), "Edge console") {
			t.Fatalf("GET /%s: %d\n%s", page, res.StatusCode, b)
		}
	}
}

func TestRunWithTheConsoleOffSaysSo(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	// An empty environment variable counts as unset, so "" is said in a file.
	cfg := filepath.Join(dir, "lab.yaml")
	if err := os.WriteFile(cfg, []byte("edge: {listen: 127.0.0.1:0}\ndns: {listen: \"\"}\nconsole: {listen: \"\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := startRun(t, "run", "--config", cfg)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !strings.Contains(out.String(), "console:"); time.Sleep(20 * time.Millisecond) {
	}
	if !strings.Contains(out.String(), "console:            disabled (console.listen is empty)") {
		t.Fatalf("banner:\n%s", out.String())
	}
}
