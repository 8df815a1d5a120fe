package edge

import (
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/edgesim/edgesim/edge/policy"
)

// levelTag is the header's TL_ tag and the SIPAdminLog.cpp line of a severity (§5).
func levelTag(l policy.LogLevel) (string, int) {
	if l == policy.LevelError {
		return "TL_ERROR", 833
	}
	return "TL_WARN", 830
}

// MessageInfo names the SIP message a record is about.
type MessageInfo struct {
	StartLine string // INVITE sip:stejanss@skype.lab SIP/2.0
	CallID    string
	CSeq      string // 2066245576 INVITE
	Peer      string // certificate name and source port: vcse.steven.lab:25002
}

// RecordHeader is the per-record prefix the real logger derives from its process state.
type RecordHeader struct {
	Machine     string
	PID, TID    uint16
	Time        time.Time
	Sequence    uint32
	Correlation uint32
}

// recordEOL is CRLF: the Edge log is a Windows text file and Snooper-style tools expect it.
const recordEOL = "\r\n"

// AppendRecord renders one $$begin_record … $$end_record block exactly in the Edge's layout.
func AppendRecord(dst []byte, h RecordHeader, rec policy.LogRecord, msg MessageInfo) []byte {
	tag, line := levelTag(rec.Level)
	t := h.Time.UTC()
	dst = fmt.Appendf(dst, "%s(TF_DIAG) [%s\\%s]%04X.%04X::%02d/%02d/%04d-%02d:%02d:%02d.%03d.%08X (SIPStack,SIPAdminLog::WriteDiagnosticEvent:SIPAdminLog.cpp(%d)) [%d] $$begin_record",
		tag, h.Machine, h.Machine, h.PID, h.TID, int(t.Month()), t.Day(), t.Year(), t.Hour(), t.Minute(), t.Second(),
		t.Nanosecond()/int(time.Millisecond), h.Sequence, line, h.Correlation)
	field := func(k, v string) {
		dst = append(dst, recordEOL...)
		dst = append(dst, k...)
		dst = append(dst, ": "...)
		dst = appendOneLine(dst, v)
	}
	field("Severity", rec.Level.String())
	field("Text", rec.Text)
	field("Result-Code", rec.Result.String())
	if msg.StartLine != "" {
		// A refusal inside the TLS handshake has seen no SIP message: its record has no SIP lines
		// at all rather than empty ones [choice, §7].
		field("SIP-Start-Line", msg.StartLine)
		field("SIP-Call-ID", msg.CallID)
		field("SIP-CSeq", msg.CSeq)
	}
	field("Peer", msg.Peer)
	field("Data", rec.DataLine())
	dst = append(dst, recordEOL+"$$end_record"+recordEOL...)
	return dst
}

// appendOneLine appends v with every control character as '?'. A record is one field a line, and
// values reach it from peers (the certificate's name in Peer, the request's start line): a CR or LF
// there would end the field and let a peer write its own fields, or a whole record, into the log.
func appendOneLine(dst []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == 0x7f {
			dst = append(dst, '?')
		} else {
			dst = append(dst, c)
		}
	}
	return dst
}

// LogWriterOptions make the record header reproducible in tests; zero values take the process's own.
type LogWriterOptions struct {
	Machine     string
	Now         func() time.Time
	PID         uint16
	TID         func() uint16
	Sequence    uint32        // the first record's sequence number
	Correlation func() uint32 // a fresh correlation id per record
}

// LogWriter appends Edge-log records to w; safe for concurrent use.
type LogWriter struct {
	mu   sync.Mutex
	w    io.Writer
	opts LogWriterOptions
	seq  uint32
	buf  []byte
}

// NewLogWriter fills unset options from the process: pid, a clock, a counter-based correlation id.
func NewLogWriter(w io.Writer, opts LogWriterOptions) *LogWriter {
	if opts.Machine == "" {
		opts.Machine = "sfvedge"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PID == 0 {
		opts.PID = uint16(processID())
	}
	if opts.TID == nil {
		pid := opts.PID
		opts.TID = func() uint16 { return pid ^ 0x0A44 }
	}
	if opts.Correlation == nil {
		var n uint32 = uint32(time.Now().UnixNano())
		opts.Correlation = func() uint32 { n = n*1664525 + 1013904223; return n }
	}
	return &LogWriter{w: w, opts: opts, seq: opts.Sequence}
}

// Write appends one record and returns the header it used.
func (l *LogWriter) Write(rec policy.LogRecord, msg MessageInfo) (RecordHeader, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := RecordHeader{Machine: l.opts.Machine, PID: l.opts.PID, TID: l.opts.TID(), Time: l.opts.Now(),
		Sequence: l.seq, Correlation: l.opts.Correlation()}
	l.seq++
	l.buf = AppendRecord(l.buf[:0], h, rec, msg)
	if _, err := l.w.Write(l.buf); err != nil {
		return h, fmt.Errorf("edge log: %w", err)
	}
	return h, nil
}

// FormatPeer is the log's Peer value: certificate name and source port.
func FormatPeer(name string, port int) string {
	if name == "" {
		name = "unknown"
	}
	return name + ":" + strconv.Itoa(port)
}
