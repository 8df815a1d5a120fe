package edge

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgesim/edgesim/edge/policy"
)

// The seed's two Edge-log records, reproduced byte for byte from the verdicts the policy builds.
func TestSeedEdgeLogRecords(t *testing.T) {
	tests := []struct {
		name    string
		golden  string
		verdict policy.Verdict
		header  RecordHeader
		msg     MessageInfo
	}{
		{
			name:    "1009 SRV points outside the domain",
			golden:  "testdata/seed-record-1009.log",
			verdict: seedVerdict(t, "acano.steven.lab", "vcse.steven.lab.", "vcse.steven.lab"),
			header: RecordHeader{Machine: "sfvedge", PID: 0x0584, TID: 0x0A44, Sequence: 0x773E, Correlation: 156659184,
				Time: time.Date(2017, 3, 2, 7, 10, 46, 230_000_000, time.UTC)},
			msg: MessageInfo{StartLine: "INVITE sip:stejanss@skype.lab SIP/2.0", CallID: "f1b3ad5d-183b-4632-b210-c2f9bec71960",
				CSeq: "2066245576 INVITE", Peer: FormatPeer("vcse.steven.lab", 25002)},
		},
		{
			name:    "1010 certificate lacks the SRV FQDN",
			golden:  "testdata/seed-record-1010.log",
			verdict: seedVerdict(t, "acano.steven.lab", "vcse.acano.steven.lab", "vcse.steven.lab"),
			header: RecordHeader{Machine: "sfvedge", PID: 0x0B60, TID: 0x0D6C, Sequence: 0x5602, Correlation: 3634190282,
				Time: time.Date(2017, 3, 2, 6, 30, 40, 25_000_000, time.UTC)},
			msg: MessageInfo{StartLine: "INVITE sip:stejanss@skype.lab SIP/2.0", CallID: "e144704c-1dd0-4ea7-929f-77e7e071c24c",
				CSeq: "1567605805 INVITE", Peer: FormatPeer("vcse.steven.lab", 25001)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want, err := os.ReadFile(tc.golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(want, []byte("\r\n")) {
				t.Fatalf("%s lost its CRLF line ends (check .gitattributes)", tc.golden)
			}
			got := AppendRecord(nil, tc.header, *tc.verdict.Record, tc.msg)
			if !bytes.Equal(got, want) {
				t.Errorf("record differs from the seed\n got: %q\nwant: %q", got, want)
			}
		})
	}
}

// The writer numbers records (across the 16-bit boundary) and stamps the clock and correlation id.
func TestLogWriterSequenceAndClock(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC)
	corr := uint32(41)
	w := NewLogWriter(&buf, LogWriterOptions{Machine: "lab", PID: 0x10, TID: func() uint16 { return 0x20 },
		Sequence: 0xFFFF, Now: func() time.Time { return clock }, Correlation: func() uint32 { corr++; return corr }})
	rec := *seedVerdict(t, "x.lab", "vcse.elsewhere.lab", "vcse.x.lab").Record
	for range 2 {
		if _, err := w.Write(rec, MessageInfo{StartLine: "OPTIONS sip:a@skype.lab SIP/2.0"}); err != nil {
			t.Fatal(err)
		}
	}
	out := buf.String()
	for _, want := range []string{
		"TL_WARN(TF_DIAG) [lab\\lab]0010.0020::11/26/2026-05:00:00.000.0000FFFF (SIPStack,SIPAdminLog::WriteDiagnosticEvent:SIPAdminLog.cpp(830)) [42] $$begin_record\r\n",
		"::11/26/2026-05:00:00.000.00010000 (SIPStack",
		"[43] $$begin_record",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "$$end_record\r\n"); n != 2 {
		t.Errorf("%d records, want 2", n)
	}
}

// chunkedSink writes each Write in small pieces and yields between them, so records written
// without the LogWriter's lock would interleave in the output instead of merely racing.
type chunkedSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *chunkedSink) Write(p []byte) (int, error) {
	for i := 0; i < len(p); i += 16 {
		s.mu.Lock()
		s.buf.Write(p[i:min(i+16, len(p))])
		s.mu.Unlock()
		runtime.Gosched()
	}
	return len(p), nil
}

// Many goroutines, released together, write through one LogWriter: every record comes out whole,
// byte for byte what AppendRecord renders for the header Write returned, and no sequence number
// is given twice or skipped. Run under -race, it also checks the writer's own state is guarded.
func TestLogWriterConcurrentRecordsStayWhole(t *testing.T) {
	const writers, perWriter, first = 16, 40, 0xFFF0
	sink := &chunkedSink{}
	corr := uint32(0)
	w := NewLogWriter(sink, LogWriterOptions{Machine: "lab", PID: 0x10, TID: func() uint16 { return 0x20 }, Sequence: first,
		Now: func() time.Time { return time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC) }, Correlation: func() uint32 { corr++; return corr }})
	rec := *seedVerdict(t, "x.lab", "vcse.elsewhere.lab", "vcse.x.lab").Record
	type written struct {
		h   RecordHeader
		msg MessageInfo
	}
	results := make([][]written, writers)
	errs := make(chan error, writers*perWriter)
	start := make(chan struct{})
	var ready, done sync.WaitGroup
	for g := range writers {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			for i := range perWriter {
				msg := MessageInfo{StartLine: "OPTIONS sip:a@skype.lab SIP/2.0", CallID: fmt.Sprintf("writer-%02d-record-%02d", g, i)}
				h, err := w.Write(rec, msg)
				if err != nil {
					errs <- err
					return
				}
				results[g] = append(results[g], written{h, msg})
			}
		}()
	}
	ready.Wait() // every writer is parked on the barrier
	close(start)
	done.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	bySeq := map[uint32]written{}
	for g, rs := range results {
		if len(rs) != perWriter {
			t.Fatalf("writer %d wrote %d records, want %d", g, len(rs), perWriter)
		}
		for _, r := range rs {
			if prev, dup := bySeq[r.h.Sequence]; dup {
				t.Fatalf("sequence %#x given to %s and %s", r.h.Sequence, prev.msg.CallID, r.msg.CallID)
			}
			bySeq[r.h.Sequence] = r
		}
	}
	// The output, record by record in sequence order, is exactly what the writers were told they wrote.
	out := sink.buf.Bytes()
	for seq := uint32(first); seq < first+writers*perWriter; seq++ {
		r, ok := bySeq[seq]
		if !ok {
			t.Fatalf("sequence %#x was never given", seq)
		}
		want := AppendRecord(nil, r.h, rec, r.msg)
		if !bytes.HasPrefix(out, want) {
			t.Fatalf("record %#x (%s) is not whole where it should start:\n got %q\nwant %q",
				seq, r.msg.CallID, out[:min(len(out), len(want))], want)
		}
		out = out[len(want):]
	}
	if len(out) != 0 {
		t.Errorf("%d bytes after the last record: %q", len(out), out)
	}
}

// The seed's outbound ms-diagnostics lines, byte for byte.
func TestSeedDiagnosticLines(t *testing.T) {
	tests := []struct {
		golden string
		v      policy.Verdict
	}{
		{"testdata/seed-diag-1009.golden", seedVerdict(t, "cms.steven.lab", "vcse.sub.cms.steven.lab", "vcse.steven.lab")},
		{"testdata/seed-diag-1010.golden", seedVerdict(t, "cms.steven.lab", "vcse.cms.steven.lab", "vcse.steven.lab")},
	}
	for _, tc := range tests {
		t.Run(tc.golden, func(t *testing.T) {
			want, err := os.ReadFile(tc.golden)
			if err != nil {
				t.Fatal(err)
			}
			got := "ms-diagnostics: " + tc.v.Diagnostic.Header("sip.skype.lab")
			if got != string(want) {
				t.Errorf("\n got: %s\nwant: %s", got, want)
			}
		})
	}
}
