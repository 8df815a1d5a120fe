package sipstack

import (
	"strings"
	"testing"
)

func TestMsgFramer(t *testing.T) {
	msg := "OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\nContent-Length: 5\r\n\r\nhello"
	for _, tc := range []struct {
		name   string
		chunks []string
		in     bool // a message in progress after the last chunk
	}{
		{"whole message", []string{msg}, false},
		{"keep-alive only", []string{"\r\n\r\n", "\r\n"}, false},
		{"headers without the body", []string{msg[:len(msg)-2]}, true},
		{"one byte at a time", splitBytes(msg), false},
		{"a partial start line", []string{"INV"}, true},
		{"compact l: and bare LF", []string{"MESSAGE sip:a@b SIP/2.0\nl: 2\n\nhi"}, false},
		{"two messages then half a third", []string{msg + msg + "BYE sip"}, true},
		{"no Content-Length means no body", []string{"ACK sip:a@b SIP/2.0\r\nVia: x\r\n\r\n"}, false},
		{"a line longer than the tracked part, then a body split across reads",
			[]string{"MESSAGE sip:a@b SIP/2.0\r\nX-Long: " + strings.Repeat("a", 300), "\r\nContent-Length: 4\r\n\r\nhe", "l"}, true},
		{"the same, whole", []string{"MESSAGE sip:a@b SIP/2.0\r\nX-Long: " + strings.Repeat("a", 300), "\r\nContent-Length: 4\r\n\r\nhe", "ll"}, false},
	} {
		var f msgFramer
		for _, c := range tc.chunks {
			f.feed([]byte(c))
		}
		if f.inMessage() != tc.in {
			t.Errorf("%s: in a message = %v, want %v", tc.name, f.inMessage(), tc.in)
		}
	}
}

func splitBytes(s string) []string {
	out := make([]string, len(s))
	for i := range s {
		out[i] = s[i : i+1]
	}
	return out
}
