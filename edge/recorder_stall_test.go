package edge

import (
	"net"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/metrics"
)

// fullDisk fails every write as a full disk does.
type fullDisk struct{}

func (fullDisk) Write([]byte) (int, error) { return 0, syscall.ENOSPC }
func (fullDisk) Close() error              { return nil }

// stuckDisk blocks every write until released, then fails it: a hung NFS mount.
type stuckDisk struct {
	release chan struct{}
	once    sync.Once
}

func (s *stuckDisk) Write([]byte) (int, error) { <-s.release; return 0, syscall.EIO }
func (s *stuckDisk) Close() error              { s.free(); return nil }
func (s *stuckDisk) free()                     { s.once.Do(func() { close(s.release) }) }

// silentHEP is a receiver that never reads: its socket buffer fills and stays full.
func silentHEP(t *testing.T) string {
	t.Helper()
	l, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return "udp:" + l.LocalAddr().String()
}

// Recording never stalls a call: with every output failing or stuck and an HEP receiver that
// never reads, calls complete within their normal bound (e.call's) and what was lost is counted.
func TestRecorderNeverStallsACall(t *testing.T) {
	for _, tc := range []struct {
		name    string
		stuck   bool
		dropped []string // outputs whose edgesim_record_dropped_total must be above 0
	}{
		{name: "full disk", dropped: []string{"pcapng", "jsonl"}},
		{name: "stuck disk", stuck: true, dropped: []string{"record"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := metrics.New("test")
			opts := RecordOptions{HEP: silentHEP(t), Metrics: m, Logger: zerolog.Nop(), jsonlOut: fullDisk{}, pcapOut: fullDisk{}}
			stuck := &stuckDisk{release: make(chan struct{})}
			if tc.stuck {
				opts.pcapOut, opts.Queue = stuck, 16 // the worker blocks on its first flush; the queue fills behind it
			}
			rec, err := NewRecorder(opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { stuck.free(); _ = rec.Close() })
			e := startEdgeWith(t, zerolog.Nop(), ServiceOptions{Recorder: rec}, withZones(recordingZones))
			cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab"})
			for i := range 3 {
				if c := e.call(e.peer(cert), "sip:2000@cms.steven.lab", seedTo); !c.Answered || !c.HungUp {
					t.Fatalf("call %d did not complete: %+v", i, c)
				}
			}
			if tc.stuck {
				if n := droppedTotal(t, m, "record"); n == 0 {
					t.Fatalf("a stuck output dropped nothing")
				}
				stuck.free()
			}
			if err := rec.Close(); err == nil && !tc.stuck {
				t.Errorf("closing on a full disk reported no error")
			}
			for _, out := range tc.dropped {
				if droppedTotal(t, m, out) == 0 {
					t.Errorf("edgesim_record_dropped_total{output=%q} is 0", out)
				}
			}
		})
	}
}

func droppedTotal(t *testing.T, m *metrics.Metrics, output string) float64 {
	t.Helper()
	re := regexp.MustCompile(`edgesim_record_dropped_total\{output="` + output + `"\} (\S+)`)
	got := re.FindStringSubmatch(scrape(t, m))
	if got == nil {
		return 0
	}
	n, _ := strconv.ParseFloat(got[1], 64)
	return n
}
