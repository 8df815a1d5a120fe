package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// aliasBomb is a "billion laughs": nine levels of nine aliases each, 9^9 strings once expanded.
func aliasBomb(key string) string {
	b := key + ": &l0 [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n"
	for i := 1; i < 9; i++ {
		b += fmt.Sprintf("l%d: &l%d [%s*l%d]\n", i, i, strings.Repeat(fmt.Sprintf("*l%d,", i-1), 8), i-1)
	}
	return b
}

// blockNest is n block mappings, each indented one column more than the last.
func blockNest(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat(" ", i) + "a:\n")
	}
	return b.String()
}

// The inputs that made FuzzDecodeConfig crawl near the end of CI runs, and their kin: each is
// refused at once with an answer naming the file, where the decoder alone took seconds or more.
func TestSlowYAMLIsRefusedAtOnce(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"flow brackets ten thousand deep", strings.Repeat("[", 10000), "edgesim.yaml:1: nested deeper than 64 levels"},
		{"flow mappings deep", "edge: " + strings.Repeat("{a: ", 5000), "edgesim.yaml:1: nested deeper than 64 levels"},
		{"block mappings deep", blockNest(300), "edgesim.yaml:130: nested deeper than 64 levels"},
		{"alias bomb", aliasBomb("a"), "edgesim.yaml: aliases expand to more than 100000 nodes"},
		{"alias bomb under a known key", "edge:\n" + strings.ReplaceAll(aliasBomb("  fqdn"), "\nl", "\n  l"), "edgesim.yaml: aliases expand to more than 100000 nodes"},
		{"self-referencing alias", "&a [*a, *a, *a, *a]\n", "edgesim.yaml"},
		{"a document of 4 MiB", "edge:\n  fqdn: " + strings.Repeat("x", 4<<20) + "\n", "edgesim.yaml: 4194319 bytes: more than the 1048576 a file may have"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Default()
			done := make(chan error, 1)
			go func() { done <- DecodeStrictYAML("edgesim.yaml", []byte(tc.doc), &cfg) }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("got %v, want an error with %q", err, tc.want)
				}
			case <-time.After(2 * time.Second): // the decoder alone: seconds to hours
				t.Fatal("not refused within 2s")
			}
		})
	}
}

// A real configuration is far inside every bound: a lab's zones and a few anchors still load.
func TestOrdinaryYAMLPassesTheBounds(t *testing.T) {
	doc := "dns:\n  zones:\n" + strings.Repeat("    a.lab: |\n      x IN AAAA [2001:db8::1]\n", 1) +
		"edge:\n  federation:\n    allowed: &fed [{domain: a.lab, proxy_fqdn: \"sip.a.lab:5061\"}]\n"
	if err := checkBounds("edgesim.yaml", []byte(doc)); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkDecodeAliasBomb(b *testing.B) {
	doc := []byte(aliasBomb("a"))
	for b.Loop() {
		cfg := Default()
		_ = DecodeStrictYAML("edgesim.yaml", doc, &cfg)
	}
}
