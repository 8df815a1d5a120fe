//go:build !unix

package edge

import "time"

func processCPU() time.Duration { return 0 }
