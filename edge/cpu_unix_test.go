//go:build unix

package edge

import (
	"syscall"
	"time"
)

// processCPU is the user and system time this process has used: per call, it is what a call costs
// whatever else the machine runs, which wall time on a shared machine is not.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
