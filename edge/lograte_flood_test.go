package edge

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/lograte"
	"github.com/edgesim/edgesim/metrics"
	"github.com/edgesim/edgesim/sipstack"
)

// A flood of failed TLS handshakes (no client certificate) against a real Edge: the process log
// keeps a few refusal lines per interval and summary lines counting the rest, every refusal is
// either logged or counted in a summary, the metrics count them all, and a good call still works.
func TestHandshakeRefusalFloodKeepsTheLogBounded(t *testing.T) {
	const flood, burst, every = 300, 5, 400 * time.Millisecond
	logs := &LogBuffer{}
	log := lograte.Attach(zerolog.New(logs), burst, every, sipstack.PeerTriggered...)
	m := metrics.New("test")
	rec, err := NewRecorder(RecordOptions{Metrics: m, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rec.Close() })
	e := startEdgeWith(t, log, ServiceOptions{Recorder: rec}, withZones(acanoCorrect))
	started := time.Now()
	failHandshakes(t, e, flood)
	waitFor(t, "the metrics to count every refusal", func() bool { return failedHandshakes(m) >= flood })
	time.Sleep(2 * every) // the last interval's summary
	lines, suppressed := refusalLines(t, logs.String(), sipstack.MsgHandshakeRefused)
	intervals := int(time.Since(started)/every) + 1
	if lines > burst*intervals {
		t.Errorf("%d refusal lines in %d intervals: more than %d per interval", lines, intervals, burst)
	}
	if lines+suppressed != flood {
		t.Errorf("logged %d + counted in summaries %d = %d, want every one of the %d refusals", lines, suppressed, lines+suppressed, flood)
	}
	if got := failedHandshakes(m); got != flood {
		t.Errorf("metrics counted %v failed handshakes, want %d", got, flood)
	}
	cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	if res := e.call(e.peer(cert), seedFrom, seedTo); !res.Answered {
		t.Errorf("a good call after the flood failed: %v", res.Final)
	}
}

// A peer sending refused requests as fast as it can: the Edge log keeps every record, as a real
// Edge does, while the process log keeps a few refusal lines per interval and counts the rest.
func TestRefusedRequestFloodKeepsTheProcessLogBounded(t *testing.T) {
	const flood, burst, every = 60, 5, 400 * time.Millisecond
	logs := &LogBuffer{}
	log := lograte.Attach(zerolog.New(logs), burst, every, PeerTriggered...)
	e := startEdgeWith(t, log, ServiceOptions{}, withZones(acanoCorrect))
	wrongName := e.peer(e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.steven.lab"}))
	started := time.Now()
	for i := range flood {
		if res := e.call(wrongName, seedFrom, seedTo); res.Final == nil || res.Final.StatusCode != 504 {
			t.Fatalf("call %d: got %v, want the 1010 refusal", i, res.Final)
		}
	}
	time.Sleep(2 * every) // the last interval's summary
	lines, suppressed := refusalLines(t, logs.String(), MsgFederatedRefused)
	intervals := int(time.Since(started)/every) + 1
	if lines > burst*intervals {
		t.Errorf("%d refusal lines in %d intervals: more than %d per interval", lines, intervals, burst)
	}
	if lines+suppressed != flood {
		t.Errorf("logged %d + counted in summaries %d, want all %d refusals", lines, suppressed, flood)
	}
	if got := strings.Count(e.edgeLog.String(), "$$begin_record"); got != flood {
		t.Errorf("the Edge log holds %d records, want one per refusal (%d)", got, flood)
	}
}

// failHandshakes makes n TLS handshakes without a client certificate, eight at a time.
func failHandshakes(t *testing.T, e *testEdge, n int) {
	roots := x509.NewCertPool()
	roots.AddCert(e.lab.CA.Cert)
	cfg := &tls.Config{RootCAs: roots, ServerName: "sip.skype.lab", MaxVersion: tls.VersionTLS12}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := tls.Dial("tcp", e.addr, cfg)
			if err != nil {
				return
			}
			_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
			_, _ = c.Read(make([]byte, 1)) // the Edge's alert or close ends the handshake here
			_ = c.Close()
		}()
	}
	wg.Wait()
}

// refusalLines counts the lines of one kind and the ones the summary lines left out.
func refusalLines(t *testing.T, logs, msg string) (lines, suppressed int) {
	for _, l := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec struct {
			Message           string `json:"message"`
			SuppressedMessage string `json:"suppressed_message"`
			Suppressed        int    `json:"suppressed"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		switch {
		case rec.Message == msg:
			lines++
		case rec.SuppressedMessage == msg:
			suppressed += rec.Suppressed
		}
	}
	return lines, suppressed
}

// failedHandshakes sums the inbound failures over every TLS version label.
func failedHandshakes(m *metrics.Metrics) float64 {
	families, _ := m.Registry.Gather()
	sum := 0.0
	for _, f := range families {
		if f.GetName() != "edgesim_tls_handshakes_total" {
			continue
		}
		for _, mt := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range mt.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["direction"] == "inbound" && labels["result"] == "failed" {
				sum += mt.GetCounter().GetValue()
			}
		}
	}
	return sum
}
