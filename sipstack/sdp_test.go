package sipstack_test

import (
	"net"
	"strings"
	"testing"

	"github.com/edgesim/edgesim/scenarios/standin"
	"github.com/edgesim/edgesim/sipstack"
)

func TestAnswerSDP(t *testing.T) {
	local := net.IPv4(127, 0, 0, 1)
	tests := []struct {
		name, offer string
		want        []string
		wantErr     string
	}{
		{"first common codec and DTMF", standin.DefaultOffer, []string{"m=audio 50000 RTP/AVP 8 101\r\n", "a=rtpmap:8 PCMA/8000\r\n", "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n", "c=IN IP4 127.0.0.1\r\n"}, ""},
		{"static payload without rtpmap", "v=0\r\nm=audio 4000 RTP/AVP 18 0\r\n", []string{"m=audio 50000 RTP/AVP 0\r\n", "a=rtpmap:0 PCMU/8000\r\n"}, ""},
		{"video is declined with port 0", standin.DefaultOffer + "m=video 40002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n", []string{"m=video 0 RTP/AVP 96\r\n"}, ""},
		{"delayed offer: the 200 OK carries an offer", "", []string{"m=audio 50000 RTP/AVP 0 101\r\n"}, ""},
		{"no common codec", "v=0\r\nm=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n", nil, "no common audio codec"},
		{"no audio", "v=0\r\nm=video 4000 RTP/AVP 96\r\n", nil, "no audio stream"},
		{"malformed media line", "v=0\r\nm=audio\r\n", nil, "malformed media line"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sipstack.AnswerSDP([]byte(tc.offer), local, 50000)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(got), w) {
					t.Errorf("answer lacks %q:\n%s", w, got)
				}
			}
		})
	}
}
