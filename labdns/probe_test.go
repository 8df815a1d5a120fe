package labdns

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestProbeSOA(t *testing.T) {
	s := startServer(t, mustZones(t, DefaultZones()))
	if serial, err := ProbeSOA(context.Background(), s.Addr(), "skype.lab", 2*time.Second); err != nil || serial != 1 {
		t.Errorf("skype.lab: serial %d, %v", serial, err)
	}
	// A zone the server does not serve is refused: the answer of some other DNS server on the port.
	_, err := ProbeSOA(context.Background(), s.Addr(), "elsewhere.lab", 2*time.Second)
	var pe *ProbeError
	if !errors.As(err, &pe) || pe.Err != nil || pe.Network != "udp" || pe.Rcode != "REFUSED" ||
		!strings.Contains(err.Error(), "SOA elsewhere.lab over UDP: answer REFUSED") {
		t.Errorf("elsewhere.lab: %#v", err)
	}
}

func TestZonesOrDefault(t *testing.T) {
	if z := ZonesOrDefault(nil); len(z) != len(DefaultZones()) {
		t.Errorf("nil zones: %d zones, want the seed's %d", len(z), len(DefaultZones()))
	}
	own := map[string]string{"x.lab": ""}
	if z := ZonesOrDefault(own); len(z) != 1 || z["x.lab"] != "" {
		t.Errorf("configured zones replaced: %v", z)
	}
}
