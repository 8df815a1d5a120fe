// Package gctune lets the garbage collector run less often while the live heap is small. With
// GOGC's default the collector runs each time the heap doubles, and an Edge carrying calls keeps
// little alive (a few tens of MB), so at 3,000 answered calls a second it ran several times a second
// and cost about 8% of the Edge's CPU (bench/README.md). The tuner lets the heap grow to its live
// size plus Floor before a collection, and leaves GOGC at 100 once the live heap is larger than
// Floor (10,000 idle connections): the memory traded for the CPU is bounded by Floor. A GOGC the
// user set is left alone.
package gctune

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Floor is the heap growth the collector is allowed before it runs, whatever the live heap.
const Floor = 64 << 20

// maxPercent bounds GOGC for a nearly empty heap.
const maxPercent = 1000

// Percent is the GOGC that lets a heap with live bytes grow by Floor, within [100, maxPercent].
func Percent(live uint64) int {
	if live == 0 {
		return maxPercent
	}
	p := Floor * 100 / live
	return int(min(max(p, 100), maxPercent))
}

// Run adjusts GOGC every second until ctx ends, unless GOGC is set in the environment. It returns
// at once; the adjusting goroutine wakes once a second.
func Run(ctx context.Context) {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		last := 100
		for {
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 {
				if p := Percent(sample[0].Value.Uint64()); p != last {
					debug.SetGCPercent(p)
					last = p
				}
			}
			select {
			case <-ctx.Done():
				debug.SetGCPercent(100)
				return
			case <-t.C:
			}
		}
	}()
}
