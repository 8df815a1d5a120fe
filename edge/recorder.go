package edge

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/capture"
	"github.com/edgesim/edgesim/capture/hep"
	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/metrics"
	"github.com/edgesim/edgesim/record"
	"github.com/edgesim/edgesim/sipstack"
)

// RecordOptions choose the attempt record's outputs; every zero value is off.
type RecordOptions struct {
	History        int    // record.history: attempts kept in memory; 0: record.DefaultHistory
	JSONL          string // record.jsonl: append each attempt as a JSON line
	PCAPNG         string // capture.pcapng: every federation connection, with the key log inside
	PCAPNGMaxBytes int64  // rotate past this size; 0: capture's default
	KeyLog         string // capture.keylog: the NSS key log; "" falls back to $SSLKEYLOGFILE
	HEP            string // capture.hep: udp:HOST:PORT
	Metrics        *metrics.Metrics
	Logger         zerolog.Logger
	Queue          int // events waiting for the worker before drops; 0: 65536 (and 16 MiB of bytes)

	// Tests only: writers used instead of opening JSONL or PCAPNG, to fail as a full disk does.
	jsonlOut, pcapOut io.WriteCloser
}

// Recorder turns what the SIP layer hears into attempt records and hands them to the outputs. The
// connections' goroutines only append to a shared batch (one copy, no allocation, no wake-up per
// read); one goroutine takes whole batches and does the rest, so a slow output costs counted
// drops, never a stalled call.
type Recorder struct {
	ring    *record.Ring
	jsonl   *record.JSONL
	pcap    *capture.Writer
	keylog  io.WriteCloser
	hep     *hep.Sender
	m       *metrics.Metrics
	log     zerolog.Logger
	q       queue
	stop    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
	dropped atomic.Uint64
	nextID  atomic.Uint64

	// owned by the worker goroutine
	inbound     map[netip.AddrPort]*connRec
	outbound    map[string]*record.Attempt
	pcapErr     bool
	pcapFlushed time.Time
	pcapBehind  bool // the file lacks what the last batches wrote; see flushOutputs
	counters    counters
}

type evKind uint8

const (
	evOpen evKind = iota + 1
	evWire
	evPlain
	evHandshake
	evClosed
	evKeys
	evVerdict
	evOutboundEnd
)

// event is one thing heard; its bytes live in the batch's arena, at off, n long.
type event struct {
	kind    evKind
	c       *connRec
	out     bool
	t       time.Time
	off, n  int
	tls     *record.TLS
	ok      bool
	version string
	took    time.Duration
	attempt *record.Attempt // evVerdict: the verdict's share; evOutboundEnd: the whole summary
	source  netip.AddrPort
}

// NewRecorder opens every output asked for; a path that cannot be written or an HEP target that
// does not resolve is an error here, at start.
func NewRecorder(o RecordOptions) (_ *Recorder, err error) {
	r := &Recorder{ring: record.NewRing(o.History), m: o.Metrics, log: o.Logger, stop: make(chan struct{}),
		inbound: map[netip.AddrPort]*connRec{}, outbound: map[string]*record.Attempt{}}
	r.q.init(o.Queue)
	r.counters.init(o.Metrics)
	defer func() {
		if err != nil {
			r.closeOutputs()
		}
	}()
	if o.jsonlOut != nil {
		r.jsonl = record.NewJSONL(o.jsonlOut, 0, r.counters.dropJSONL.Inc)
	} else if o.JSONL != "" {
		if r.jsonl, err = record.OpenJSONL(o.JSONL, 0, r.counters.dropJSONL.Inc); err != nil {
			return nil, fmt.Errorf("record.jsonl: %w", err)
		}
	}
	if o.pcapOut != nil {
		if r.pcap, err = capture.NewWriter(o.pcapOut); err != nil {
			return nil, err
		}
	} else if o.PCAPNG != "" {
		if r.pcap, err = capture.Create(o.PCAPNG, capture.Options{MaxBytes: o.PCAPNGMaxBytes}); err != nil {
			return nil, fmt.Errorf("capture.pcapng: %w", err)
		}
	}
	if o.KeyLog == "" {
		o.KeyLog = os.Getenv("SSLKEYLOGFILE")
	}
	if o.KeyLog != "" {
		if r.keylog, err = capture.OpenKeyLog(o.KeyLog); err != nil {
			return nil, fmt.Errorf("capture.keylog: %w", err)
		}
	}
	if o.HEP != "" {
		if r.hep, err = hep.Dial(o.HEP, 0); err != nil {
			return nil, fmt.Errorf("capture.hep: %w", err)
		}
	}
	r.wg.Add(1)
	go r.loop()
	return r, nil
}

// Ring is the memory of the last attempts.
func (r *Recorder) Ring() *record.Ring { return r.ring }

// Dropped is how many events a full queue cost.
func (r *Recorder) Dropped() uint64 { return r.dropped.Load() }

// Close handles what is queued and closes the outputs.
func (r *Recorder) Close() error {
	var err error
	r.once.Do(func() {
		close(r.stop)
		r.wg.Wait()
		err = r.closeOutputs()
	})
	return err
}

func (r *Recorder) closeOutputs() error {
	var errs []error
	if r.jsonl != nil {
		errs = append(errs, r.jsonl.Close())
	}
	if r.pcap != nil {
		errs = append(errs, r.pcap.CloseFile())
	}
	if r.keylog != nil {
		errs = append(errs, r.keylog.Close())
	}
	if r.hep != nil {
		errs = append(errs, r.hep.Close())
	}
	return errors.Join(errs...)
}

// KeyLogWriter is what tls.Config.KeyLogWriter gets: nil when nothing wants the keys.
func (r *Recorder) KeyLogWriter() io.Writer {
	if r == nil || (r.pcap == nil && r.keylog == nil) {
		return nil
	}
	return keyLogWriter{r}
}

type keyLogWriter struct{ r *Recorder }

func (k keyLogWriter) Write(b []byte) (int, error) {
	k.r.push(event{kind: evKeys}, b)
	return len(b), nil
}

// connRec is one connection as the recorder hears it; its mutable state belongs to the worker.
type connRec struct {
	r              *Recorder
	local, remote  netip.AddrPort
	inbound        bool
	attempt        string // outbound: the attempt it serves
	name           string
	in, out        record.Framer
	open           map[string]*record.Attempt // inbound: by Call-ID
	pendingComment string
	tls            *record.TLS
}

// Open is sipstack.Tap for the Edge's listener.
func (r *Recorder) Open(local, remote netip.AddrPort, inbound bool, t time.Time) sipstack.ConnTap {
	return r.openConn(local, remote, inbound, "", t)
}

func (r *Recorder) openConn(local, remote netip.AddrPort, inbound bool, attempt string, t time.Time) sipstack.ConnTap {
	c := &connRec{r: r, local: local, remote: remote, inbound: inbound, attempt: attempt,
		name: local.String() + " → " + remote.String(), open: map[string]*record.Attempt{}}
	r.push(event{kind: evOpen, c: c, t: t}, nil)
	return c
}

func (c *connRec) Wire(out bool, t time.Time, b []byte) {
	if c.r.pcap == nil {
		return
	}
	c.r.push(event{kind: evWire, c: c, out: out, t: t}, b)
}

func (c *connRec) Plain(out bool, t time.Time, b []byte) {
	c.r.push(event{kind: evPlain, c: c, out: out, t: t}, b)
}

func (c *connRec) Handshake(cs tls.ConnectionState, took time.Duration, err error) {
	t := tlsOf(c.name, cs, took, err)
	c.r.push(event{kind: evHandshake, c: c, tls: &t, ok: err == nil, version: tlsVersion(cs, err), took: took, t: time.Now()}, nil)
}

func (c *connRec) Closed(t time.Time) { c.r.push(event{kind: evClosed, c: c, t: t}, nil) }

func tlsVersion(cs tls.ConnectionState, err error) string {
	if err != nil || cs.Version == 0 {
		return "none"
	}
	return tls.VersionName(cs.Version)
}

func tlsOf(conn string, cs tls.ConnectionState, took time.Duration, err error) record.TLS {
	t := record.TLS{Conn: conn, SNI: cs.ServerName, Took: took}
	if cs.Version != 0 {
		t.Version, t.Cipher = tls.VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite)
	}
	for _, c := range cs.PeerCertificates {
		t.Chain = append(t.Chain, record.Cert{Subject: c.Subject.String(), Issuer: c.Issuer.String(), SANs: c.DNSNames, NotAfter: c.NotAfter,
			EKUs: certs.EKUNames(c), Signature: c.SignatureAlgorithm.String()})
	}
	if err != nil {
		t.Error = err.Error()
		var ae tls.AlertError
		var op *net.OpError
		switch {
		case errors.As(err, &ae):
			t.Alert = "sent: " + ae.Error()
		case errors.As(err, &op) && op.Op == "remote error":
			t.Alert = "received: " + op.Err.Error()
		}
	}
	return t
}

func (r *Recorder) newID() string {
	return "a" + strconv.FormatInt(time.Now().UnixMilli(), 36) + "-" + strconv.FormatUint(r.nextID.Add(1), 10)
}

// Verdict records the Edge's decision on an inbound request, with the lookups made for it and the
// Edge-log record as written.
func (r *Recorder) Verdict(req *sipstack.Request, v policy.Verdict, edgeLog string, dns []record.DNSLookup) {
	a := &record.Attempt{CallID: req.CallID, PeerName: presentedName(req), Trace: v.Trace, DNS: dns, EdgeLog: edgeLog, Status: v.Status}
	switch {
	case !v.Allow:
		a.Outcome = record.OutcomeRefused
	default:
		a.Outcome = record.OutcomeAllowed
	}
	if v.Diagnostic != nil {
		a.Diagnostic = v.Diagnostic.Code
	}
	if v.Record != nil {
		a.ResultCode = v.Record.Result.Hex()
	}
	r.push(event{kind: evVerdict, attempt: a, source: req.Source}, nil)
}

// outboundKey carries an outbound attempt's id and DNS collector down to the dial.
type outboundKey struct{}

type outboundCtx struct {
	id  string
	dns *dnsCollector
}

// beginOutbound starts an outbound attempt; the context carries it to the dial and the lookups.
func (r *Recorder) beginOutbound(ctx context.Context) (context.Context, string, *dnsCollector) {
	oc := outboundCtx{id: r.newID(), dns: &dnsCollector{}}
	return withDNS(context.WithValue(ctx, outboundKey{}, oc), oc.dns), oc.id, oc.dns
}

// endOutbound hands the finished attempt's summary to the worker, which adds the connections' share.
func (r *Recorder) endOutbound(a *record.Attempt) {
	r.push(event{kind: evOutboundEnd, attempt: a}, nil)
}

// clientHooks are the dial's tap and key log for the outbound attempt in ctx.
func (r *Recorder) clientHooks(ctx context.Context) (sipstack.Tap, io.Writer) {
	oc, ok := ctx.Value(outboundKey{}).(outboundCtx)
	if r == nil || !ok {
		return nil, nil
	}
	return outboundTap{r: r, id: oc.id}, r.KeyLogWriter()
}

type outboundTap struct {
	r  *Recorder
	id string
}

func (t outboundTap) Open(local, remote netip.AddrPort, inbound bool, at time.Time) sipstack.ConnTap {
	return t.r.openConn(local, remote, inbound, t.id, at)
}

// String names the recorder's outputs, for the start-up log.
func (r *Recorder) String() string {
	return fmt.Sprintf("record(history=%d pcapng=%v keylog=%v hep=%v jsonl=%v)", r.ring.Cap(), r.pcap != nil, r.keylog != nil, r.hep != nil, r.jsonl != nil)
}
