package edge

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"os"
	"regexp"
	"testing"
)

// The Skype client's view of the seed's 1009, byte for byte, from the verdict the policy builds.
func TestClientViewSeedGolden(t *testing.T) {
	want, err := os.ReadFile("testdata/outbound-skype-view-1009.sip")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(want, []byte("\r\n")) {
		t.Fatal("golden file lost its CRLF line ends (check .gitattributes)")
	}
	v := seedVerdict(t, "cms.steven.lab", "vcse.sub.cms.steven.lab.", "vcse.steven.lab")
	view := ClientView{
		Status: v.Status, Reason: v.Reason, Diagnostic: v.Diagnostic.Header("sip.skype.lab"),
		TargetName: "SfBFE.skype.lab", Client: netip.MustParseAddrPort("10.55.186.71:62937"), CID: 0x6DA00,
		Opaque: "FA404B9C", SRand: "8168D157", SNum: 38, RSPAuth: "65d8d93b66e5b217115e3b1636bf433c9f5df54a",
	}
	if got := view.Append(nil); !bytes.Equal(got, want) {
		t.Errorf("view differs from the seed\n got: %q\nwant: %q", got, want)
	}
}

// The random parts have the Front End's shapes, and the view names the Front End of the first domain.
func TestNewClientViewShape(t *testing.T) {
	v := NewClientView(rand.NewChaCha8([32]byte{7}), 504, "Server time-out", "", "contoso.lab")
	re := regexp.MustCompile(`^SIP/2\.0 504 Server time-out\r\n` +
		`Authentication-Info: TLS-DSK qop="auth", opaque="[0-9A-F]{8}", srand="[0-9A-F]{8}", snum="[1-9][0-9]?", rspauth="[0-9a-f]{40}", targetname="SfBFE\.contoso\.lab", realm="SIP Communications Service", version=4\r\n` +
		`Via: SIP/2\.0/TLS 127\.0\.0\.1:(\d+);ms-received-port=(\d+);ms-received-cid=[0-9A-F]+\r\n` +
		`Server: RTC/6\.0\r\nContent-Length: 0\r\n$`)
	m := re.FindStringSubmatch(string(v.Append(nil)))
	if m == nil || m[1] != m[2] {
		t.Errorf("view does not have the expected shape:\n%s", v.Append(nil))
	}
}

func TestParseSIPURI(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"sip:2000@acano.steven.lab", "sip:2000@acano.steven.lab", true},
		{"<SIP:Stejanss@Skype.Lab.>;tag=1", "sip:Stejanss@skype.lab", true},
		{`"DX70" <sip:2000@cms.steven.lab;transport=tls>`, "sip:2000@cms.steven.lab", true},
		{"sips:alice@contoso.com?subject=x", "sips:alice@contoso.com", true},
		{"sip:[::1]", "sip:[::1]", true},
		{"2000@acano.steven.lab", "", false},
		{"tel:+3225551234", "", false},
		{"sip:@acano.steven.lab", "", false},
		{"sip:2000@", "", false},
		{"sip:2000@acano..lab", "", false},
		{"sip:2000@acano.steven.lab:5061", "", false},
		{"<sip:2000@acano.steven.lab", "", false},
	}
	for _, tc := range tests {
		u, err := ParseSIPURI(tc.in)
		if (err == nil) != tc.ok || (tc.ok && u.String() != tc.want) {
			t.Errorf("ParseSIPURI(%q) = %q, %v; want %q ok=%v", tc.in, u, err, tc.want, tc.ok)
		}
	}
}
