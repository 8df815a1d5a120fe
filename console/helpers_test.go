package console

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/scenarios"
)

// The lab of the tests: acano.steven.lab's SRV target leaves the domain, so a call from it is
// refused with 504 · 1009; cms.steven.lab is correct.
var testZones = map[string]string{
	"acano.steven.lab": "_sipfederationtls._tcp 300 IN SRV 0 0 5061 vcse.steven.lab.\n",
	"steven.lab":       "vcse 300 IN A 127.0.0.1\n",
	"cms.steven.lab":   "_sipfederationtls._tcp 300 IN SRV 0 0 5061 vcse.cms.steven.lab.\nvcse 300 IN A 127.0.0.1\n",
}

// refusedScenario is an inbound call the test lab refuses (504 · 1009).
var refusedScenario = &scenarios.Scenario{Name: "test-refused-inbound", Title: "refused", Direction: scenarios.Inbound,
	Story: "the SRV target leaves the domain", Peer: scenarios.Peer{Cert: &scenarios.Cert{CN: "vcse.steven.lab"}},
	Call:   scenarios.Call{From: "sip:2000@acano.steven.lab", To: "sip:stejanss@skype.lab"},
	Expect: scenarios.Expect{Status: 504, Diagnostic: 1009}}

type testConsole struct {
	lab  *edge.Lab
	svc  *edge.Service
	rec  *edge.Recorder
	srv  *Server
	http *httptest.Server
}

// startConsole runs a real Edge on 127.0.0.1:0 with a recorder and the console in front of it on
// another real listener; opts fills in what the test wants beyond that.
func startConsole(t *testing.T, opts Options) *testConsole {
	t.Helper()
	cfg := config.Default()
	cfg.Lab.Dir = t.TempDir()
	cfg.Edge.Listen = "127.0.0.1:0"
	cfg.DNS.Listen = ""
	cfg.DNS.Zones = testZones
	lab, err := edge.OpenLab(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := edge.NewRecorder(edge.RecordOptions{History: 50, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rec.Close() })
	svc, err := edge.NewService(lab, zerolog.Nop(), edge.ServiceOptions{Recorder: rec})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = svc.Close(ctx)
	})
	opts.Ring, opts.Lab, opts.SIPAddr = rec.Ring(), lab, svc.SIPAddr().String()
	if opts.Library == nil {
		opts.Library = []*scenarios.Scenario{refusedScenario}
	}
	if opts.Play == nil {
		opts.Play = InboundPlayer(lab, svc.SIPAddr().String(), zerolog.Nop())
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return &testConsole{lab: lab, svc: svc, rec: rec, srv: s, http: hs}
}

// call places the refused call as the stand-in and returns the id of its attempt.
func (c *testConsole) call(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, err := c.srv.playAndWait(ctx, refusedScenario)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}
