package config

import (
	"errors"
	"strings"
	"testing"
)

// The config loader never panics or hangs on any file, and what it refuses it refuses as a FileError
// naming the file (the user's only way to find the fault).
func FuzzDecodeConfig(f *testing.F) {
	for _, seed := range []string{
		"", "edge:\n  fqdn: sip.skype.lab\n", "edge: [1, 2]\n", "dns:\n  zones:\n    a.lab: |\n      x IN A 1.2.3.4\n",
		"edge:\n  tls: {profile: lync2013, min_version: \"1.0\"}\n", "lab: {dir: 7}\n", "&a [*a]\n", "edge:\n  bogus: 1\n",
		"edge:\n  federation:\n    allowed: [{domain: x, proxy_fqdn: \"y:5062\"}]\n", "\x00\xff", "edge:\n\tfqdn: x\n",
		strings.Repeat("[", 200), aliasBomb("a"), blockNest(140), // past the bounds: refused at once
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := Default()
		err := DecodeStrictYAML("edgesim.yaml", data, &cfg)
		var fe *FileError
		if err != nil && (!errors.As(err, &fe) || !strings.HasPrefix(err.Error(), "edgesim.yaml")) {
			t.Fatalf("refusal does not name the file: %v", err)
		}
		if err == nil {
			_ = cfg.Validate() // must not panic on whatever decoded
		}
	})
}
