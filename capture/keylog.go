package capture

import (
	"fmt"
	"os"
)

// OpenKeyLog opens an NSS key log for appending, 0600: whoever reads it can decrypt every session.
func OpenKeyLog(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("capture: key log: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("capture: key log: %w", err)
	}
	return f, nil
}
