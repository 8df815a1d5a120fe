package sipstack

import (
	"runtime"
	"sync/atomic"
)

// workerPool runs the call path's INVITE handlers that must wait (a decision waiting on DNS, a
// ringing call) on goroutines that stay. A goroutine started per request begins with a small stack
// and grows it, copying, about twice in the Edge's handler; a worker grew its stack once. Workers
// start as they are first needed, up to workersPerCPU a core: an Edge whose decisions never wait
// has none. Past that, a request gets a goroutine of its own, as it would from sipgo: nothing queues.
type workerPool struct {
	jobs chan func()
	stop <-chan struct{}
	n    atomic.Int32
}

// workersPerCPU keeps a worker ready for every INVITE a core can be handling or waiting on.
const workersPerCPU = 8

func newWorkerPool(stop <-chan struct{}) workerPool {
	return workerPool{jobs: make(chan func()), stop: stop}
}

func (w *workerPool) run(f func()) {
	select {
	case w.jobs <- f:
		return
	default:
	}
	if w.n.Add(1) <= int32(workersPerCPU*runtime.GOMAXPROCS(0)) {
		go w.work(f)
		return
	}
	w.n.Add(-1)
	go f()
}

// work runs f, then whatever comes, until the server stops.
func (w *workerPool) work(f func()) {
	defer w.n.Add(-1)
	for {
		f()
		select {
		case f = <-w.jobs:
		case <-w.stop:
			return
		}
	}
}
