package labdns

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestParseZonesErrors(t *testing.T) {
	tests := []struct {
		name     string
		zones    map[string]string
		wantZone string
		wantLine int
		wantText string
		wantMsg  string // the whole Error(); "" to check only the parts above
		wantIn   string // a piece Error() must contain
	}{
		{
			name:     "bad address",
			zones:    map[string]string{"acano.steven.lab": "; the CMS domain\nvcse 300 IN A notanip\n"},
			wantZone: "acano.steven.lab", wantLine: 2, wantText: "vcse 300 IN A notanip",
			wantMsg: `zone "acano.steven.lab": line 2: "vcse 300 IN A notanip": bad A A: "notanip"`,
		},
		{
			name: "record cut short is reported on its own line",
			zones: map[string]string{"steven.lab": "vcse IN A 192.0.2.1\n" +
				"_sipfederationtls._tcp IN SRV 0 0\n\n; trailing comment\n"},
			wantZone: "steven.lab", wantLine: 2, wantText: "_sipfederationtls._tcp IN SRV 0 0",
			wantIn: "bad SRV Port",
		},
		{
			name:     "garbage after rdata",
			zones:    map[string]string{"steven.lab": "\n\nvcse IN A 192.0.2.1\nvcse IN AAAA 2001:db8::1 extra\n"},
			wantZone: "steven.lab", wantLine: 4, wantText: "vcse IN AAAA 2001:db8::1 extra",
			wantIn: "garbage after rdata",
		},
		{
			name: "first bad zone in sorted order is reported",
			zones: map[string]string{
				"b.lab": "x IN A nope\n",
				"a.lab": "ok IN A 192.0.2.1\ny IN BOGUS 1\n",
			},
			wantZone: "a.lab", wantLine: 2, wantText: "y IN BOGUS 1",
		},
		{
			name:     "record outside its origin",
			zones:    map[string]string{"steven.lab": "vcse IN A 192.0.2.1\nvcse.other.lab. IN A 192.0.2.2\n"},
			wantZone: "steven.lab", wantLine: 2, wantText: "vcse.other.lab. IN A 192.0.2.2",
			wantMsg: `zone "steven.lab": line 2: "vcse.other.lab. IN A 192.0.2.2": vcse.other.lab. is outside the zone steven.lab.`,
		},
		{
			name:     "record in the parent is outside",
			zones:    map[string]string{"acano.steven.lab": "vcse IN A 192.0.2.1\n\n  ; note\nsteven.lab. IN TXT \"x\"\n"},
			wantZone: "acano.steven.lab", wantLine: 4, wantText: `steven.lab. IN TXT "x"`,
			wantIn: "steven.lab. is outside the zone acano.steven.lab.",
		},
		{
			name:     "cname next to other data",
			zones:    map[string]string{"steven.lab": "vcse IN A 192.0.2.1\nvcse IN CNAME other\n"},
			wantZone: "steven.lab", wantLine: 2, wantText: "vcse IN CNAME other",
			wantIn: "CNAME at vcse.steven.lab. next to other records",
		},
		{
			name:     "cname at the apex",
			zones:    map[string]string{"steven.lab": "@ IN CNAME other.lab.\n"},
			wantZone: "steven.lab", wantLine: 1, wantText: "@ IN CNAME other.lab.",
			wantIn: "CNAME at the zone apex",
		},
		{
			name:     "soa below the apex",
			zones:    map[string]string{"steven.lab": "sub IN SOA ns1 hostmaster 1 2 3 4 5\n"},
			wantZone: "steven.lab", wantLine: 1, wantText: "sub IN SOA ns1 hostmaster 1 2 3 4 5",
			wantIn: "not at the zone apex",
		},
		{
			name:     "invalid domain",
			zones:    map[string]string{"steven..lab": "vcse IN A 192.0.2.1\n"},
			wantZone: "steven..lab",
			wantMsg:  `zone "steven..lab": not a valid domain name`,
		},
		{
			name:     "same domain twice",
			zones:    map[string]string{"steven.lab": "", "Steven.Lab.": ""},
			wantZone: "steven.lab",
			wantIn:   "given more than once",
		},
		{
			name:     "path-like value that is no file is parsed as text",
			zones:    map[string]string{"steven.lab": "/no/such/dir/steven.lab.zone"},
			wantZone: "steven.lab", wantLine: 1, wantText: "/no/such/dir/steven.lab.zone",
			wantIn: "read as zone text: there is no file of that name",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z, err := ParseZones(tc.zones)
			if err == nil {
				t.Fatalf("no error; zones %v", z.Domains())
			}
			var ze *ZoneError
			if !errors.As(err, &ze) {
				t.Fatalf("error %T %v is not a *ZoneError", err, err)
			}
			if ze.Zone != tc.wantZone || ze.Line != tc.wantLine || ze.Text != tc.wantText {
				t.Errorf("got zone %q line %d text %q, want zone %q line %d text %q",
					ze.Zone, ze.Line, ze.Text, tc.wantZone, tc.wantLine, tc.wantText)
			}
			if tc.wantMsg != "" && err.Error() != tc.wantMsg {
				t.Errorf("message\n got %s\nwant %s", err, tc.wantMsg)
			}
			if !strings.Contains(err.Error(), tc.wantIn) {
				t.Errorf("message %q does not contain %q", err, tc.wantIn)
			}
		})
	}
}

// Syntax errors keep miekg's error reachable for callers who want it.
func TestParseZonesSyntaxErrorUnwraps(t *testing.T) {
	_, err := ParseZones(map[string]string{"steven.lab": "vcse IN A notanip\n"})
	var pe *dns.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v does not unwrap to *dns.ParseError", err)
	}
}

func TestParseZonesFromFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "acano.steven.lab.zone")
	if err := os.WriteFile(good, []byte("_sipfederationtls._tcp IN SRV 0 0 5061 vcse\nvcse IN A 192.0.2.11\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.zone")
	if err := os.WriteFile(bad, []byte("; line 1\n; line 2\nvcse IN A 192.0.2.300\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("served", func(t *testing.T) {
		z := mustZones(t, map[string]string{"acano.steven.lab": good})
		m := z.Answer(dns.Question{Name: "_sipfederationtls._tcp.acano.steven.lab.", Qtype: dns.TypeSRV, Qclass: dns.ClassINET})
		checkSection(t, "answer", m.Answer, []string{"_sipfederationtls._tcp.acano.steven.lab. 300 IN SRV 0 0 5061 vcse.acano.steven.lab."})
		checkSection(t, "additional", m.Extra, []string{"vcse.acano.steven.lab. 300 IN A 192.0.2.11"})
	})
	t.Run("error names the file and its line", func(t *testing.T) {
		_, err := ParseZones(map[string]string{"x.lab": bad})
		var ze *ZoneError
		if !errors.As(err, &ze) {
			t.Fatalf("error %v is not a *ZoneError", err)
		}
		if ze.File != bad || ze.Line != 3 || ze.Text != "vcse IN A 192.0.2.300" {
			t.Errorf("got file %q line %d text %q", ze.File, ze.Line, ze.Text)
		}
		if !strings.HasPrefix(err.Error(), `zone "x.lab": file "`+bad+`": line 3: `) {
			t.Errorf("message %q", err)
		}
	})
	t.Run("one-line text is not a path", func(t *testing.T) {
		z := mustZones(t, map[string]string{"x.lab": "vcse IN A 192.0.2.7"})
		m := z.Answer(dns.Question{Name: "vcse.x.lab.", Qtype: dns.TypeA, Qclass: dns.ClassINET})
		checkSection(t, "answer", m.Answer, []string{"vcse.x.lab. 300 IN A 192.0.2.7"})
	})
}

func TestParseZonesTTL(t *testing.T) {
	z := mustZones(t, map[string]string{"x.lab": "a IN A 192.0.2.1\n$TTL 60\nb IN A 192.0.2.2\nc 5 IN A 192.0.2.3\n"})
	for name, want := range map[string]uint32{"a.x.lab.": 300, "b.x.lab.": 60, "c.x.lab.": 5} {
		m := z.Answer(dns.Question{Name: name, Qtype: dns.TypeA, Qclass: dns.ClassINET})
		if len(m.Answer) != 1 || m.Answer[0].Header().Ttl != want {
			t.Errorf("%s: answer %v, want TTL %d", name, m.Answer, want)
		}
	}
}

func TestDomainsAndRecords(t *testing.T) {
	z := mustZones(t, map[string]string{
		"Steven.Lab.": "zz IN A 192.0.2.3\nvcse IN AAAA 2001:db8::1\nvcse IN A 192.0.2.1\nvcse IN A 192.0.2.1\n",
		"acano.steven.lab": "@ IN SOA ns.acano.steven.lab. admin.acano.steven.lab. 9 1 1 1 1\n" +
			"_sipfederationtls._tcp IN SRV 0 0 5061 vcse.acano.steven.lab.\n",
	})
	if got, want := z.Domains(), []string{"acano.steven.lab", "steven.lab"}; !slices.Equal(got, want) {
		t.Errorf("Domains %v, want %v", got, want)
	}
	var got []string
	for _, rr := range z.Records() {
		got = append(got, rr.String())
	}
	var want []string
	for _, s := range []string{
		"acano.steven.lab. 300 IN SOA ns.acano.steven.lab. admin.acano.steven.lab. 9 1 1 1 1",
		"acano.steven.lab. 300 IN NS ns1.acano.steven.lab.",
		"_sipfederationtls._tcp.acano.steven.lab. 300 IN SRV 0 0 5061 vcse.acano.steven.lab.",
		"steven.lab. 300 IN SOA ns1.steven.lab. hostmaster.steven.lab. 1 3600 600 86400 60",
		"steven.lab. 300 IN NS ns1.steven.lab.",
		"vcse.steven.lab. 300 IN A 192.0.2.1", // the duplicate is served once
		"vcse.steven.lab. 300 IN AAAA 2001:db8::1",
		"zz.steven.lab. 300 IN A 192.0.2.3",
	} {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, rr.String())
	}
	if !slices.Equal(got, want) {
		t.Errorf("Records:\ngot:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestDefaultZones(t *testing.T) {
	zones := DefaultZones()
	z := mustZones(t, zones)
	if got, want := z.Domains(), []string{"acano.steven.lab", "cms.steven.lab", "skype.lab", "steven.lab"}; !slices.Equal(got, want) {
		t.Fatalf("Domains %v, want %v", got, want)
	}
	tests := []struct {
		domain string
		srv    string
		addrs  []string
	}{
		{"skype.lab", "_sipfederationtls._tcp.skype.lab. 300 IN SRV 0 0 5061 sip.skype.lab.", []string{"sip.skype.lab. 300 IN A 127.0.0.1"}},
		{"steven.lab", "_sipfederationtls._tcp.steven.lab. 300 IN SRV 0 0 5061 vcse.steven.lab.", []string{"vcse.steven.lab. 300 IN A 127.0.0.2"}},
		{"acano.steven.lab", "_sipfederationtls._tcp.acano.steven.lab. 300 IN SRV 0 0 5061 vcse.acano.steven.lab.", []string{"vcse.acano.steven.lab. 300 IN A 127.0.0.2"}},
		{"cms.steven.lab", "_sipfederationtls._tcp.cms.steven.lab. 300 IN SRV 0 0 5061 vcse.cms.steven.lab.", []string{"vcse.cms.steven.lab. 300 IN A 127.0.0.2"}},
	}
	for _, tc := range tests {
		t.Run(tc.domain, func(t *testing.T) {
			if !strings.HasPrefix(zones[tc.domain], "; ") {
				t.Errorf("zone text does not open with a comment explaining it:\n%s", zones[tc.domain])
			}
			m := z.Answer(dns.Question{Name: "_sipfederationtls._tcp." + tc.domain + ".", Qtype: dns.TypeSRV, Qclass: dns.ClassINET})
			checkSection(t, "answer", m.Answer, []string{tc.srv})
			checkSection(t, "additional", m.Extra, tc.addrs)
		})
	}
	t.Run("front end", func(t *testing.T) {
		m := z.Answer(dns.Question{Name: "sfbfe.skype.lab.", Qtype: dns.TypeA, Qclass: dns.ClassINET})
		checkSection(t, "answer", m.Answer, []string{"sfbfe.skype.lab. 300 IN A 127.0.0.1"})
	})
	t.Run("fresh map each call", func(t *testing.T) {
		zones["skype.lab"] = "broken"
		if DefaultZones()["skype.lab"] == "broken" {
			t.Error("DefaultZones shares its map")
		}
	})
}
