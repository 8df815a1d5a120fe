package standin

import (
	"bufio"
	"strings"
	"testing"
)

// The raw peer frames messages by Content-Length and skips keep-alive CRLFs between them.
func TestReadRawMessageFraming(t *testing.T) {
	in := "\r\n\r\nINVITE sip:a@b SIP/2.0\r\nContent-Length: 4\r\n\r\nv=0\nACK sip:a@b SIP/2.0\r\nl: 0\r\n\r\n"
	r := bufio.NewReader(strings.NewReader(in))
	first, err := readRawMessage(r)
	if err != nil || !strings.HasPrefix(string(first), "INVITE ") || !strings.HasSuffix(string(first), "\r\n\r\nv=0\n") {
		t.Fatalf("first %q, %v", first, err)
	}
	second, err := readRawMessage(r)
	if err != nil || !strings.HasPrefix(string(second), "ACK ") {
		t.Fatalf("second %q, %v", second, err)
	}
	if _, err := readRawMessage(r); err == nil {
		t.Error("no error at the end of the stream")
	}
}
