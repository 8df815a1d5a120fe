package config

import (
	"strings"
	"testing"
)

func TestConsoleBeyondLoopbackNeedsAToken(t *testing.T) {
	for _, tc := range []struct {
		listen, token, err string
	}{
		{"", "", ""},
		{"127.0.0.1:5080", "", ""},
		{"[::1]:5080", "", ""},
		{"localhost:5080", "", ""},
		{"0.0.0.0:5080", "", "console.token: required"},
		{":5080", "", "console.token: required"},
		{"192.0.2.1:5080", "t0ken", ""},
		{"nonsense", "", "console.listen:"},
	} {
		c := Default()
		c.Console = Console{Listen: tc.listen, Token: tc.token}
		err := c.Validate()
		if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("console %q token %q: %v, want %q", tc.listen, tc.token, err, tc.err)
		}
	}
}
