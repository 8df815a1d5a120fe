package sipstack

import (
	"net"
	"strings"
	"testing"
)

func TestPortAllocatorWrapsOnEvenPorts(t *testing.T) {
	p := newPortAllocator(50001, 50005)
	var got []int
	for range 4 {
		got = append(got, p.next())
	}
	if got[0] != 50002 || got[1] != 50004 || got[2] != 50002 || got[3] != 50004 {
		t.Errorf("ports %v", got)
	}
}

// A Lync 2013 offer is multipart/alternative: the answer is to its RFC 5245 part, not to both.
func TestAnswerSDPMultipart(t *testing.T) {
	body := "--B\r\nContent-Type: application/sdp\r\nContent-Disposition: session; handling=optional; ms-proxy-2007fallback\r\n\r\n" +
		"v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 1000 RTP/AVP 8\r\n\r\n" +
		"--B\r\nContent-Type: application/sdp\r\nContent-Disposition: session; handling=optional\r\n\r\n" +
		"v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 2000 RTP/AVP 0\r\n\r\n--B--\r\n"
	if got := string(SDPOfBody([]byte(body))); got != "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 2000 RTP/AVP 0\r\n" {
		t.Fatalf("SDPOfBody = %q", got)
	}
	ans, err := AnswerSDP([]byte(body), net.IPv4(127, 0, 0, 1), 4000)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(ans), "m=") != 1 || !strings.Contains(string(ans), "m=audio 4000 RTP/AVP 0\r\n") {
		t.Errorf("answer:\n%s", ans)
	}
	if plain := []byte("v=0\r\n"); string(SDPOfBody(plain)) != "v=0\r\n" {
		t.Error("a single SDP body changed")
	}
}
