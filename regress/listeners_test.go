package regress

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/config"
)

// A run whose Edge or lab DNS address another process already holds refuses to start, naming the
// address, before any case runs.
func TestRunRefusesListenersAnotherEdgeHolds(t *testing.T) {
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	plan, err := Parse("plan.yaml", []byte(goodPlan), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, sip, dns, want string
	}{
		{"sip", tcp.Addr().String(), "", "edge.listen tcp/" + tcp.Addr().String()},
		{"dns", "127.0.0.1:0", udp.LocalAddr().String(), "dns.listen udp/" + udp.LocalAddr().String()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.Lab.Dir = t.TempDir()
			cfg.Edge.Listen, cfg.DNS.Listen = tc.sip, tc.dns
			ran := 0
			rep, err := Run(context.Background(), plan, Options{Config: cfg, Logger: zerolog.Nop(), Done: func(Result) { ran++ }})
			var busy *BusyError
			if !errors.As(err, &busy) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want a BusyError naming %s, got %v", tc.want, err)
			}
			if rep != nil || ran != 0 {
				t.Fatalf("cases ran although a listener was held: %d", ran)
			}
		})
	}
}
