package edge

import (
	"bytes"
	"sync"
)

// LogBuffer is an Edge-log sink that can be read while the Edge writes to it from its own
// goroutines, as the scenario runner and the tests do.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
