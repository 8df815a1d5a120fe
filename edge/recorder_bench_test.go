//go:build unix

package edge

import (
	"context"
	"net"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/metrics"
)

// BenchmarkRecordingOutputs is BenchmarkInboundCall's persistent-conn call against the Edge with
// recording off, with the recorder and its ring alone, with each output alone on top of the ring,
// and with all of them, in one run: what each output costs a call, beside its own baseline. The
// user and system CPU are reported apart, since the kernel's share (an HEP datagram, a file
// write) does not show under callgrind.
func BenchmarkRecordingOutputs(b *testing.B) {
	b.Setenv("SSLKEYLOGFILE", "") // it would turn the key log on for every target
	e := startEdgeLogging(b, zerolog.Nop(), withZones(acanoCorrect))
	peerCert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	labDir := e.lab.Config.Lab.Dir
	all := func(o *RecordOptions, dir, hep string) {
		o.JSONL, o.PCAPNG, o.KeyLog, o.HEP, o.Metrics = filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.pcapng"),
			filepath.Join(dir, "keys"), hep, metrics.New("bench")
	}
	targets := []struct {
		name string
		set  func(o *RecordOptions, dir, hep string)
	}{
		{"off", nil},
		{"ring", func(*RecordOptions, string, string) {}},
		{"jsonl", func(o *RecordOptions, dir, _ string) { o.JSONL = filepath.Join(dir, "a.jsonl") }},
		{"pcapng", func(o *RecordOptions, dir, _ string) { o.PCAPNG = filepath.Join(dir, "b.pcapng") }},
		{"keylog", func(o *RecordOptions, dir, _ string) { o.KeyLog = filepath.Join(dir, "keys") }},
		{"hep", func(o *RecordOptions, _, hep string) { o.HEP = hep }},
		{"metrics", func(o *RecordOptions, _, _ string) { o.Metrics = metrics.New("bench") }},
		{"all", all},
	}
	addrs := make([]string, len(targets))
	for i, tg := range targets {
		if tg.set == nil {
			addrs[i] = e.addr
			continue
		}
		addrs[i] = startRecordingWith(b, labDir, tg.set)
	}
	for i, tg := range targets {
		b.Run(tg.name, func(b *testing.B) {
			p := benchPeer(b, e, peerCert)
			defer p.Close()
			b.ReportAllocs()
			user, sys := processUserSys()
			for b.Loop() {
				inv, _ := p.NewRequest(sip.INVITE, seedFrom, seedTo, addrs[i])
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				res, err := p.Call(ctx, inv, nil)
				cancel()
				if err != nil || !res.HungUp {
					b.Fatalf("call: %+v %v", res, err)
				}
			}
			u, s := processUserSys()
			b.ReportMetric(float64(u-user)/float64(b.N), "user-ns/op")
			b.ReportMetric(float64(s-sys)/float64(b.N), "sys-ns/op")
			b.ReportMetric(float64(u-user+s-sys)/float64(b.N), "cpu-ns/op")
		})
	}
}

// startRecordingWith is the Edge recording to the outputs set chooses, in b.TempDir(); HEP goes to
// a UDP socket that never reads (see startRecordingAll). Peers' certificates come from labDir's CA.
func startRecordingWith(b *testing.B, labDir string, set func(o *RecordOptions, dir, hep string)) string {
	b.Helper()
	dir := b.TempDir()
	sink, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sink.Close() })
	o := RecordOptions{Logger: zerolog.Nop()}
	set(&o, dir, "udp:"+sink.LocalAddr().String())
	rec, err := NewRecorder(o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = rec.Close() })
	return startEdgeWith(b, zerolog.Nop(), ServiceOptions{Recorder: rec}, withZones(acanoCorrect),
		func(c *config.Config) { c.Lab.Dir = labDir }).addr
}

// processUserSys is processCPU split into user and system time.
func processUserSys() (user, sys time.Duration) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}
