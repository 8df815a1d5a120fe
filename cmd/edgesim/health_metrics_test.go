package main

import (
	"strings"
	"testing"

	"github.com/edgesim/edgesim/metrics"
)

// With metrics.listen set, health reads /metrics as a third check: the token must be the Edge's.
func TestHealthReadsMetrics(t *testing.T) {
	labDir := t.TempDir()
	sipAddr, dnsAddr := startService(t, labDir)
	srv, err := metrics.Serve("127.0.0.1:0", "s3cret", metrics.New("test"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	t.Setenv("EDGESIM_LAB_DIR", labDir)
	t.Setenv("EDGESIM_EDGE_LISTEN", sipAddr)
	t.Setenv("EDGESIM_DNS_LISTEN", dnsAddr)
	t.Setenv("EDGESIM_METRICS_LISTEN", srv.Addr())
	t.Setenv("EDGESIM_METRICS_TOKEN", "s3cret")
	code, out, stderr := cli(t, t.TempDir(), "health", "--timeout", "2s")
	if code != 0 || !strings.Contains(out, "metrics OK       "+srv.Addr()) || !strings.Contains(out, "edgesim_build_info{") || !strings.Contains(out, "\nhealthy\n") {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	t.Setenv("EDGESIM_METRICS_TOKEN", "wrong")
	code, out, stderr = cli(t, t.TempDir(), "health", "--timeout", "2s")
	if code != exitFailed || !strings.Contains(out, "metrics FAIL") || !strings.Contains(stderr, "unhealthy: metrics") {
		t.Fatalf("wrong token: exit %d\n%s%s", code, out, stderr)
	}
}
