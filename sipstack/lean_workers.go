package sipstack

import "runtime"

// workerPool runs the call path's INVITE handlers on goroutines that stay. A goroutine started per
// request begins with a small stack and grows it, copying, about twice in the Edge's handler; a
// worker grew its stack once. When every worker is busy (an INVITE waiting on DNS, a ringing
// call), the request gets a goroutine of its own, as it would from sipgo: nothing queues.
type workerPool struct {
	jobs chan func()
}

// workersPerCPU keeps a worker ready for every INVITE a core can be handling or waiting on.
const workersPerCPU = 8

func (w *workerPool) start(stop <-chan struct{}) {
	w.jobs = make(chan func())
	for range workersPerCPU * runtime.GOMAXPROCS(0) {
		go func() {
			for {
				select {
				case f := <-w.jobs:
					f()
				case <-stop:
					return
				}
			}
		}()
	}
}

func (w *workerPool) run(f func()) {
	select {
	case w.jobs <- f:
	default:
		go f()
	}
}
