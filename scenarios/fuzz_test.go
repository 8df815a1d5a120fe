package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgesim/edgesim/config"
)

// FuzzParse: whatever the bytes, Parse returns a scenario or an error naming the file, never panics,
// and a scenario it accepts is one the runner can configure.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("library", "*.yaml"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(good))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			if s != nil {
				t.Fatalf("both a scenario and an error: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if s.Name == "" || s.Title == "" || s.Story == "" || (s.Direction != Inbound && s.Direction != Outbound) {
			t.Fatalf("accepted an incomplete scenario: %+v", s)
		}
		base := config.Default()
		base.Lab.Dir = "/lab" // Config only computes paths
		cfg, err := s.Config(base)
		if err != nil {
			t.Fatalf("accepted, but its edge overrides do not apply: %v", err)
		}
		cfg.Edge.Listen = "127.0.0.1:0"
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted, but the configuration it gives is invalid: %v", err)
		}
	})
}
