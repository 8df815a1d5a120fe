package gctune

import (
	"context"
	"os"
	"runtime/metrics"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, maxPercent},
		{1 << 20, maxPercent},    // 1 MiB live: 64 MiB of growth would be 6400%, bounded
		{16 << 20, 400},          // 16 MiB live may grow by 64 MiB
		{64 << 20, 100},          // from Floor on, GOGC's default
		{200 << 20, 100},         // 10,000 idle connections
		{Floor * 100 / 250, 250}, // in between
	} {
		if got := Percent(tc.live); got != tc.want {
			t.Errorf("Percent(%d) = %d, want %d", tc.live, got, tc.want)
		}
	}
}

// Run sets GOGC from the live heap at once, and gives GOGC back when its context ends.
func TestRunSetsAndRestores(t *testing.T) {
	t.Setenv("GOGC", "") // set, so Run must leave it alone
	ctx, cancel := context.WithCancel(context.Background())
	Run(ctx)
	time.Sleep(50 * time.Millisecond)
	if p := gogc(); p != 100 {
		t.Fatalf("GOGC %d with GOGC set in the environment, want 100 untouched", p)
	}
	cancel()
}

func TestRunFollowsTheLiveHeap(t *testing.T) {
	t.Setenv("GOGC", "100")
	if err := os.Unsetenv("GOGC"); err != nil { // t.Setenv puts it back afterwards
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	Run(ctx)
	var seen int
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		seen = gogc()
		if seen > 100 {
			break
		}
	}
	// A test binary's live heap is a few MiB, far under Floor: GOGC goes up.
	if seen <= 100 {
		t.Fatalf("GOGC %d over a small heap, want more than 100", seen)
	}
	cancel()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if gogc() == 100 {
			return
		}
	}
	t.Fatal("GOGC not given back when Run's context ended")
}

// gogc reads GOGC as the runtime has it, without setting it.
func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}
