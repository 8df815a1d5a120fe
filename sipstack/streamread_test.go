package sipstack

import (
	"bufio"
	"strings"
	"testing"
)

// A stream is framed by Content-Length: keep-alives between messages are skipped, the bytes come
// back as sent (a body's bare LF kept), and a header block or body past the bound is refused.
func TestReadRawMessage(t *testing.T) {
	in := "\r\n\r\nINVITE sip:a@b SIP/2.0\r\nContent-Length: 4\r\n\r\nv=0\nACK sip:a@b SIP/2.0\r\nl: 0\r\n\r\n"
	br := bufio.NewReaderSize(strings.NewReader(in), 16) // lines longer than the reader's buffer
	first, err := ReadRawMessage(br, 1024)
	if want := "INVITE sip:a@b SIP/2.0\r\nContent-Length: 4\r\n\r\nv=0\n"; err != nil || string(first) != want {
		t.Fatalf("first %q, %v; want %q", first, err, want)
	}
	second, err := ReadRawMessage(br, 1024)
	if want := "ACK sip:a@b SIP/2.0\r\nl: 0\r\n\r\n"; err != nil || string(second) != want {
		t.Fatalf("second %q, %v; want %q", second, err, want)
	}
	if _, err := ReadRawMessage(br, 1024); err == nil {
		t.Error("no error at the end of the stream")
	}
	endless := "OPTIONS sip:a@b SIP/2.0\r\nX: " + strings.Repeat("a", 5000)
	if _, err := ReadRawMessage(bufio.NewReader(strings.NewReader(endless)), 1024); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("a header line past the bound: %v, want refused", err)
	}
	big := "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 5000\r\n\r\n"
	if _, err := ReadRawMessage(bufio.NewReader(strings.NewReader(big)), 1024); err == nil || !strings.Contains(err.Error(), "out of bounds") {
		t.Errorf("a body past the bound: %v, want refused", err)
	}
}
