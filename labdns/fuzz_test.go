package labdns

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// The zone loader never panics on any zone text, names the zone in what it refuses, and a zone it
// accepts answers any question without panicking.
func FuzzParseZones(f *testing.F) {
	for _, seed := range []string{
		"_sipfederationtls._tcp 300 IN SRV 0 0 5061 vcse.acano.steven.lab.\nvcse 300 IN A 127.0.0.1\n",
		"", "vcse IN CNAME vcse\n", "$ORIGIN other.lab.\nx IN A 1.1.1.1\n", "$INCLUDE /etc/passwd\n",
		"x IN TXT \"unterminated\n", "@ IN SOA a. b. 1 2 3 4 5\n", "x 99999999999 IN A 1.2.3.4\n", "\x00\x01",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, zone string) {
		zs, err := ParseZones(map[string]string{"acano.steven.lab": zone})
		if err != nil {
			if !strings.Contains(err.Error(), "acano.steven.lab") {
				t.Fatalf("refusal does not name the zone: %v", err)
			}
			return
		}
		for _, q := range []dns.Question{
			{Name: "_sipfederationtls._tcp.acano.steven.lab.", Qtype: dns.TypeSRV, Qclass: dns.ClassINET},
			{Name: "vcse.acano.steven.lab.", Qtype: dns.TypeA, Qclass: dns.ClassINET},
			{Name: "acano.steven.lab.", Qtype: dns.TypeANY, Qclass: dns.ClassINET},
		} {
			_ = zs.Answer(q)
		}
	})
}
