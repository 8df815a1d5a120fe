package regress

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/config"
)

// An Expressway that reads the UC caller's INVITE over UDP and never answers is a failed case at
// the case's own timeout, saying so; without a bound of its own the caller's INVITE would wait out
// Timer B (32 s) for a provisional answer it may CANCEL.
func TestSilentExpresswayFailsTheCaseAtItsTimeout(t *testing.T) {
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	heard := make(chan struct{}, 1)
	go func() {
		buf := make([]byte, 65535)
		for {
			if _, _, err := silent.ReadFrom(buf); err != nil {
				return
			}
			select {
			case heard <- struct{}{}:
			default:
			}
		}
	}()
	answerer, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	answererAddr := answerer.LocalAddr().String()
	_ = answerer.Close()
	src := fmt.Sprintf(`expressway: {entry: %q, transport: udp}
uc:
  identities: ["sip:2000@acano.steven.lab"]
  answerer: {listen: %q, transport: udp}
timeout: 1s
cases:
  - name: call-in
    direction: inbound
    expect: {status: 200}
`, silent.LocalAddr().String(), answererAddr)
	plan, err := Parse("plan.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Lab.Dir = t.TempDir()
	cfg.Edge.Listen, cfg.DNS.Listen = "127.0.0.1:0", "127.0.0.1:0"
	started := time.Now()
	rep, err := Run(context.Background(), plan, Options{Config: cfg, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-heard:
	default:
		t.Fatal("the silent Expressway never received the INVITE")
	}
	if took := time.Since(started); took > 10*time.Second {
		t.Errorf("the run took %s for one case with a 1 s timeout", took)
	}
	c := rep.Results[0]
	if c.Pass || c.Caller == nil || !strings.Contains(c.Caller.Error, "no final answer within the case's timeout") {
		t.Errorf("case: pass %v, caller %+v; want a failure naming the timeout", c.Pass, c.Caller)
	}
}
