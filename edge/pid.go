package edge

import "os"

func processID() int { return os.Getpid() & 0xffff }
