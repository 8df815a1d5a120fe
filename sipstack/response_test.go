package sipstack

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/emiago/sipgo/sip"
)

var update = flag.Bool("update", false, "rewrite golden files (review the diff before committing)")

func readSeedInvite(t *testing.T) *sip.Request {
	t.Helper()
	raw, err := os.ReadFile("testdata/seed-invite.sip")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := sip.ParseMessage(raw)
	if err != nil {
		t.Fatalf("seed INVITE does not parse: %v", err)
	}
	req := msg.(*sip.Request)
	req.SetSource("10.48.36.47:25002") // the Expressway-E's ephemeral port in the capture
	req.SetTransport("TLS")
	return req
}

// The 504 the Edge sends is the seed's capture byte for byte: faithful (bare) and annotated.
func TestRefusalMatchesSeedCapture(t *testing.T) {
	s := &Server{cfg: Config{ServerHeader: "RTC/6.0"}}
	diag := Header{"ms-diagnostics", `1009;reason="No match for domain in DNS SRV results";domain="acano.steven.lab";fqdn1="vcse.steven.lab:5061";source="sip.skype.lab"`}
	tests := []struct {
		golden string
		extra  []Header
	}{
		{"testdata/seed-504-faithful.sip", nil},
		{"testdata/seed-504-annotated-1009.sip", []Header{diag}},
	}
	for _, tc := range tests {
		t.Run(tc.golden, func(t *testing.T) {
			req := readSeedInvite(t)
			res := s.newResponse(req, 0x100, 504, "Server time-out", "C65A7B0A8766A5F1D386474833D07882", tc.extra, nil, "")
			got := []byte(res.String())
			if *update {
				if err := os.WriteFile(tc.golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(tc.golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(want, []byte("\r\n")) {
				t.Fatalf("%s lost its CRLF line ends", tc.golden)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("response differs from the seed\n got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestStampViaKeepsBareRport(t *testing.T) {
	v := &sip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: "TLS", Host: "192.0.2.10", Port: 5061,
		Params: sip.HeaderParams{{K: "branch", V: "z9hG4bK1"}, {K: "rport", V: ""}}}
	stampVia(v, "[2001:db8::1]:40001", 0x6DA00)
	want := "SIP/2.0/TLS 192.0.2.10:5061;branch=z9hG4bK1;rport;received=2001:db8::1;ms-received-port=40001;ms-received-cid=6DA00"
	if got := v.Value(); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}

func TestNewTagIsEdgeShaped(t *testing.T) {
	a, b := newTag(), newTag()
	if len(a) != 32 || a == b || bytes.ContainsAny([]byte(a), "abcdef") {
		t.Errorf("tags %q %q: want 32 distinct upper-case hex digits", a, b)
	}
}
