package sipstack

import (
	"strings"
	"testing"
)

func TestLogText(t *testing.T) {
	long := strings.Repeat("a", 5000)
	tests := []struct{ in, want string }{
		{"f1b3ad5d-183b-4632-b210-c2f9bec71960", "f1b3ad5d-183b-4632-b210-c2f9bec71960"},
		{"evil\r\nPeer: x\x00\x1b[2J", "evil??Peer: x??[2J"},
		{long, strings.Repeat("a", logTextBytes) + "… (5000 bytes)"},
		{"Jürgen", "Jürgen"},
	}
	for _, tc := range tests {
		if got := LogText(tc.in); got != tc.want {
			t.Errorf("LogText(%.40q) = %.60q, want %.60q", tc.in, got, tc.want)
		}
	}
}
