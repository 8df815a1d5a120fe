package schannel

import (
	"crypto/tls"
	"testing"
)

func TestProfiles(t *testing.T) {
	p, err := Lookup("")
	if err != nil || p.Name != "sfb2015" || p.Min != tls.VersionTLS12 || p.Max != tls.VersionTLS12 {
		t.Fatalf("default %+v %v", p, err)
	}
	if p, err := Lookup("LYNC2013"); err != nil || p.Max != tls.VersionTLS10 {
		t.Errorf("lync2013 %+v %v", p, err)
	}
	if _, err := Lookup("sfb2019"); err == nil {
		t.Error("an unknown profile was found")
	}
	// Every suite a profile names must be one Go implements, or the handshake silently offers less.
	known := map[uint16]bool{}
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		known[s.ID] = true
	}
	for _, p := range Profiles {
		for _, s := range p.Suites {
			if !known[s] {
				t.Errorf("%s names suite %#04x, which Go does not implement", p.Name, s)
			}
		}
	}
}
