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
	Queue          int // events buffered before drops; 0: 8192
}

// Recorder turns what the SIP layer hears into attempt records and hands them to the outputs. The
// connections' goroutines only copy and queue; one goroutine does the rest, so a slow output costs
// counted drops, never a stalled call.
type Recorder struct {
	ring    *record.Ring
	jsonl   *record.JSONL
	pcap    *capture.Writer
	keylog  io.WriteCloser
	hep     *hep.Sender
	m       *metrics.Metrics
	log     zerolog.Logger
	events  chan event
	stop    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
	dropped atomic.Uint64
	nextID  atomic.Uint64

	// owned by the worker goroutine
	inbound  map[netip.AddrPort]*connRec
	outbound map[string]*record.Attempt
	pcapErr  bool
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
	evBarrier
)

type event struct {
	kind    evKind
	c       *connRec
	out     bool
	t       time.Time
	b       []byte
	tls     record.TLS
	ok      bool
	version string
	took    time.Duration
	attempt *record.Attempt // evVerdict: the verdict's share; evOutboundEnd: the whole summary
	source  netip.AddrPort
	barrier chan struct{}
}

// NewRecorder opens every output asked for; a path that cannot be written or an HEP target that
// does not resolve is an error here, at start.
func NewRecorder(o RecordOptions) (_ *Recorder, err error) {
	r := &Recorder{ring: record.NewRing(o.History), m: o.Metrics, log: o.Logger, stop: make(chan struct{}),
		inbound: map[netip.AddrPort]*connRec{}, outbound: map[string]*record.Attempt{}}
	if o.Queue <= 0 {
		o.Queue = 8192
	}
	r.events = make(chan event, o.Queue)
	defer func() {
		if err != nil {
			r.closeOutputs()
		}
	}()
	if o.JSONL != "" {
		if r.jsonl, err = record.OpenJSONL(o.JSONL, 0); err != nil {
			return nil, fmt.Errorf("record.jsonl: %w", err)
		}
	}
	if o.PCAPNG != "" {
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

func (r *Recorder) push(e event) {
	select {
	case r.events <- e:
	default:
		r.dropped.Add(1)
		if r.m != nil {
			r.m.Dropped.WithLabelValues("record").Inc()
		}
	}
}

// Sync waits, bounded by ctx, until every event queued before it has been handled.
func (r *Recorder) Sync(ctx context.Context) error {
	done := make(chan struct{})
	select {
	case r.events <- event{kind: evBarrier, barrier: done}:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

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
	k.r.push(event{kind: evKeys, b: append([]byte(nil), b...)})
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
	r.push(event{kind: evOpen, c: c, t: t})
	return c
}

func (c *connRec) Wire(out bool, t time.Time, b []byte) {
	if c.r.pcap == nil {
		return
	}
	c.r.push(event{kind: evWire, c: c, out: out, t: t, b: append([]byte(nil), b...)})
}

func (c *connRec) Plain(out bool, t time.Time, b []byte) {
	c.r.push(event{kind: evPlain, c: c, out: out, t: t, b: append([]byte(nil), b...)})
}

func (c *connRec) Handshake(cs tls.ConnectionState, took time.Duration, err error) {
	c.r.push(event{kind: evHandshake, c: c, tls: tlsOf(c.name, cs, took, err), ok: err == nil, version: tlsVersion(cs, err), took: took, t: time.Now()})
}

func (c *connRec) Closed(t time.Time) { c.r.push(event{kind: evClosed, c: c, t: t}) }

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
		t.Chain = append(t.Chain, record.Cert{Subject: c.Subject.String(), Issuer: c.Issuer.String(), SANs: c.DNSNames, NotAfter: c.NotAfter})
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
	r.push(event{kind: evVerdict, attempt: a, source: req.Source})
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
func (r *Recorder) endOutbound(a *record.Attempt) { r.push(event{kind: evOutboundEnd, attempt: a}) }

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

func (r *Recorder) loop() {
	defer r.wg.Done()
	for {
		select {
		case e := <-r.events:
			r.handle(e)
		case <-r.stop:
			for {
				select {
				case e := <-r.events:
					r.handle(e)
				default:
					r.flushAll(time.Now())
					return
				}
			}
		}
	}
}

func (r *Recorder) flushAll(t time.Time) {
	for _, c := range r.inbound {
		r.closeConn(c, t)
	}
	if r.pcap != nil {
		r.capErr(r.pcap.Flush())
	}
}

func (r *Recorder) capErr(err error) {
	if err == nil {
		return
	}
	if r.m != nil {
		r.m.Dropped.WithLabelValues("pcapng").Inc()
	}
	if !r.pcapErr {
		r.pcapErr = true
		r.log.Error().Err(err).Msg("capture.pcapng stopped: packets are dropped from here on")
	}
}

func stream(c *connRec) capture.Stream {
	if c.inbound {
		return capture.Stream{Client: c.remote, Server: c.local}
	}
	return capture.Stream{Client: c.local, Server: c.remote}
}

func (r *Recorder) handle(e event) {
	switch e.kind {
	case evBarrier:
		if r.pcap != nil {
			r.capErr(r.pcap.Flush())
		}
		close(e.barrier)
	case evOpen:
		if e.c.inbound {
			r.inbound[e.c.remote] = e.c
		}
		if r.pcap != nil {
			r.capErr(r.pcap.Open(stream(e.c), e.t))
		}
	case evWire:
		comment := ""
		if e.out {
			comment, e.c.pendingComment = e.c.pendingComment, ""
		}
		r.capErr(r.pcap.Data(stream(e.c), e.c.inbound != e.out, e.t, e.b, comment))
	case evKeys:
		if r.keylog != nil {
			if _, err := r.keylog.Write(e.b); err != nil && r.m != nil {
				r.m.Dropped.WithLabelValues("keylog").Inc()
			}
		}
		if r.pcap != nil {
			r.capErr(r.pcap.Secrets(e.b))
		}
	case evPlain:
		f := &e.c.in
		if e.out {
			f = &e.c.out
		}
		f.Write(e.b)
		for msg := f.Next(); msg != nil; msg = f.Next() {
			r.sip(e.c, e.out, e.t, msg)
		}
	case evHandshake:
		r.handshake(e)
	case evClosed:
		r.closeConn(e.c, e.t)
	case evVerdict:
		r.verdict(e)
	case evOutboundEnd:
		r.outboundEnd(e.attempt)
	}
}

func direction(inbound bool) string {
	if inbound {
		return record.Inbound
	}
	return record.Outbound
}

func (r *Recorder) handshake(e event) {
	c := e.c
	t := e.tls
	c.tls = &t
	if r.m != nil {
		res := "ok"
		if !e.ok {
			res = "failed"
		}
		r.m.Handshakes.WithLabelValues(direction(c.inbound), res, e.version).Inc()
		r.m.HandshakeTime.Observe(e.took.Seconds())
	}
	if !c.inbound {
		if a := r.outboundAttempt(c.attempt); a != nil {
			a.TLS = append(a.TLS, t)
		}
		return
	}
	if !e.ok {
		a := &record.Attempt{ID: r.newID(), Direction: record.Inbound, Kind: record.KindHandshake, Start: e.t.Add(-e.took),
			Peer: c.remote.String(), Outcome: record.OutcomeTLSRefused, TLS: []record.TLS{t}, Error: t.Error}
		r.finish(a, e.t)
	}
}

func (r *Recorder) outboundAttempt(id string) *record.Attempt {
	if id == "" {
		return nil
	}
	a, ok := r.outbound[id]
	if !ok {
		a = &record.Attempt{ID: id, Direction: record.Outbound}
		r.outbound[id] = a
	}
	return a
}

// sip files one whole SIP message under its attempt and sends it to HEP.
func (r *Recorder) sip(c *connRec, out bool, t time.Time, msg []byte) {
	h := record.ParseHead(msg)
	m := record.Message{Time: t, Out: out, Conn: c.name, StartLine: h.StartLine, Raw: string(msg)}
	if r.hep != nil {
		src, dst := c.remote, c.local
		if out {
			src, dst = c.local, c.remote
		}
		r.sendHEP(hep.Packet{Src: src, Dst: dst, Proto: hep.ProtoTCP, Time: t, Type: hep.TypeSIP, CorrelationID: h.CallID, Payload: msg})
	}
	if h.Status > 0 && r.m != nil {
		r.m.Responses.WithLabelValues(direction(c.inbound), h.CSeq, strconv.Itoa(h.Status)).Inc()
	}
	if !c.inbound {
		if a := r.outboundAttempt(c.attempt); a != nil {
			a.AddMessage(m)
			r.dialogState(a, h)
		}
		return
	}
	a := c.open[h.CallID]
	if a == nil {
		if h.Method == "" {
			return // a response to the Edge's own request on a finished attempt
		}
		a = &record.Attempt{ID: r.newID(), Direction: record.Inbound, Kind: record.KindRequest, Start: t, Peer: c.remote.String(),
			FromDomain: h.FromHost, ToDomain: h.ToHost, Method: h.Method, CallID: h.CallID}
		if c.tls != nil {
			a.TLS = []record.TLS{*c.tls}
		}
		c.open[h.CallID] = a
	}
	a.AddMessage(m)
	if r.dialogState(a, h) {
		delete(c.open, h.CallID)
		r.finish(a, t)
	}
}

// dialogState follows an attempt's transactions and says when it is over: the final answer to a
// non-INVITE, the ACK of a refused INVITE, or the answer to a BYE.
func (r *Recorder) dialogState(a *record.Attempt, h record.Head) (done bool) {
	switch {
	case h.Method == "ACK":
		return a.Status >= 300 && a.Kind != record.KindCall
	case h.Status < 200 || h.Method != "":
		return false
	case h.CSeq == "BYE":
		if a.Kind == record.KindDialog && r.m != nil {
			r.m.CallsActive.Dec()
		}
		return a.Kind != record.KindCall
	case h.CSeq == "INVITE":
		if a.Status == 0 || a.Status < 200 || a.Outcome != record.OutcomeRefused {
			a.Status = h.Status
		}
		if h.Status < 300 && a.Kind == record.KindRequest {
			a.Kind = record.KindDialog
			if a.Outcome == "" || a.Outcome == record.OutcomeAllowed {
				a.Outcome = record.OutcomeAnswered
			}
			if r.m != nil {
				r.m.CallsActive.Inc()
			}
		}
		return false
	case h.CSeq == "CANCEL":
		return false
	}
	if a.Kind == record.KindRequest && h.CSeq == a.Method {
		a.Status = h.Status
		return true
	}
	return false
}

func (r *Recorder) verdict(e event) {
	v := e.attempt
	c := r.inbound[e.source]
	var a *record.Attempt
	if c != nil {
		a = c.open[v.CallID]
		if v.EdgeLog != "" {
			c.pendingComment = "Edge log " + v.ResultCode + ": " + firstLine(v.EdgeLog)
		}
	}
	if a == nil { // its request was dropped on a full queue: keep what the verdict knows
		a = &record.Attempt{ID: r.newID(), Direction: record.Inbound, Kind: record.KindRequest, Start: time.Now(), Peer: e.source.String(), CallID: v.CallID}
		if c != nil {
			c.open[v.CallID] = a
		}
	}
	a.PeerName, a.Trace, a.DNS, a.EdgeLog, a.Outcome = v.PeerName, v.Trace, append(a.DNS, v.DNS...), v.EdgeLog, v.Outcome
	a.Diagnostic, a.ResultCode = v.Diagnostic, v.ResultCode
	if v.Outcome == record.OutcomeRefused {
		a.Status = v.Status
	}
	if v.EdgeLog != "" && r.hep != nil && c != nil {
		r.sendHEP(hep.Packet{Src: c.local, Dst: c.remote, Proto: hep.ProtoTCP, Time: time.Now(), Type: hep.TypeLog, CorrelationID: v.CallID, Payload: []byte(v.EdgeLog)})
	}
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' || s[i] == '\r' {
			return s[:i]
		}
	}
	return s
}

func (r *Recorder) sendHEP(p hep.Packet) {
	if err := r.hep.Send(p); err != nil && r.m != nil {
		r.m.Dropped.WithLabelValues("hep").Inc()
	}
}

func (r *Recorder) closeConn(c *connRec, t time.Time) {
	if r.pcap != nil {
		r.capErr(r.pcap.Close(stream(c), t))
	}
	if !c.inbound {
		return
	}
	delete(r.inbound, c.remote)
	for id, a := range c.open {
		if a.Kind == record.KindDialog && r.m != nil {
			r.m.CallsActive.Dec()
		}
		delete(c.open, id)
		r.finish(a, t)
	}
}

// outboundEnd merges the call's or check's summary with what its connections carried.
func (r *Recorder) outboundEnd(sum *record.Attempt) {
	got := r.outbound[sum.ID]
	delete(r.outbound, sum.ID)
	if got != nil {
		sum.Messages, sum.Dropped, sum.TLS = got.Messages, got.Dropped, got.TLS
		if got.Kind == record.KindDialog && r.m != nil {
			r.m.CallsActive.Dec()
		}
	}
	r.finish(sum, sum.End)
}

func (r *Recorder) finish(a *record.Attempt, end time.Time) {
	a.End = end
	if a.Outcome == "" {
		a.Outcome = record.OutcomeFailed
		if a.Status > 0 && a.Status < 300 {
			a.Outcome = record.OutcomeAllowed
		}
	}
	if r.m != nil {
		diag := ""
		if a.Diagnostic != 0 {
			diag = strconv.Itoa(a.Diagnostic)
		}
		r.m.Attempts.WithLabelValues(a.Direction, a.Method, a.Outcome, diag).Inc()
	}
	r.ring.Add(*a)
	if r.jsonl != nil {
		r.jsonl.Add(*a)
	}
}

// String names the recorder's outputs, for the start-up log.
func (r *Recorder) String() string {
	return fmt.Sprintf("record(history=%d pcapng=%v keylog=%v hep=%v jsonl=%v)", r.ring.Cap(), r.pcap != nil, r.keylog != nil, r.hep != nil, r.jsonl != nil)
}
