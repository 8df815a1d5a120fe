package edge

import (
	"time"

	"github.com/edgesim/edgesim/capture"
	"github.com/edgesim/edgesim/capture/hep"
	"github.com/edgesim/edgesim/record"
)

// The worker's side of the Recorder: everything here runs on its one goroutine.

func (r *Recorder) flushAll(t time.Time) {
	for _, c := range r.inbound {
		r.closeConn(c, t)
	}
	r.flushOutputs(true)
}

// pcapFlushEvery is how far behind the pcapng file may lag a reader tailing it. Writing it out at
// the end of every batch cost a system call per few calls; its buffer bounds the lag in bytes.
const pcapFlushEvery = 100 * time.Millisecond

// flushOutputs ends a batch: HEP goes out now, so sngrep draws the ladder live; what the pcapng
// writer buffers goes to the file when pcapFlushEvery has passed, or now when a Sync waits for it.
// A flush put off is left to the worker's loop, which comes back for it once pcapFlushEvery is up.
func (r *Recorder) flushOutputs(now bool) {
	if r.pcap != nil {
		r.pcapBehind = !now && time.Since(r.pcapFlushed) < pcapFlushEvery
		if !r.pcapBehind {
			r.capErr(r.pcap.Flush())
			r.pcapFlushed = time.Now()
		}
	}
	if r.hep != nil {
		r.hepErr(r.hep.Flush())
	}
}

func (r *Recorder) capErr(err error) {
	if err == nil {
		return
	}
	r.counters.dropPCAPNG.Inc()
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

func (r *Recorder) handle(e event, b []byte) {
	switch e.kind {
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
		r.capErr(r.pcap.Data(stream(e.c), e.c.inbound != e.out, e.t, b, comment))
	case evKeys:
		if r.keylog != nil {
			if _, err := r.keylog.Write(b); err != nil {
				r.counters.dropKeyLog.Inc()
			}
		}
		if r.pcap != nil {
			r.capErr(r.pcap.Secrets(b))
		}
	case evPlain:
		f := &e.c.in
		if e.out {
			f = &e.c.out
		}
		for fr := range f.Frames(b) {
			r.sip(e.c, e.out, e.t, fr)
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
	t := *e.tls
	c.tls = e.tls
	r.counters.handshake(c.inbound, e.ok, e.version, e.took)
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
func (r *Recorder) sip(c *connRec, out bool, t time.Time, fr *record.Frame) {
	msg := fr.Msg
	raw := string(msg) // the one copy the record keeps; the head's strings are parts of it
	h := fr.Head(raw)
	m := record.Message{Time: t, Out: out, Conn: c.name, StartLine: h.StartLine, Raw: raw}
	if r.hep != nil {
		src, dst := c.remote, c.local
		if out {
			src, dst = c.local, c.remote
		}
		r.sendHEP(hep.Packet{Src: src, Dst: dst, Proto: hep.ProtoTCP, Time: t, Type: hep.TypeSIP, CorrelationID: h.CallID, Payload: msg})
	}
	if h.Status > 0 {
		r.counters.response(c.inbound, h.CSeq, h.Status)
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
			FromDomain: h.FromHost, ToDomain: h.ToHost, Method: h.Method, CallID: h.CallID, Messages: make([]record.Message, 0, 8)}
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
		if a.Kind == record.KindDialog {
			r.counters.callEnded()
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
			r.counters.callStarted()
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

// sendHEP adds p to the HEP batch the worker sends at the end of its batch, in one system call.
func (r *Recorder) sendHEP(p hep.Packet) { r.hepErr(r.hep.Add(p)) }

func (r *Recorder) hepErr(err error) {
	if err != nil {
		r.counters.dropHEP.Inc()
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
		if a.Kind == record.KindDialog {
			r.counters.callEnded()
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
		if got.Kind == record.KindDialog {
			r.counters.callEnded()
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
	r.counters.attempt(a)
	r.ring.Add(*a)
	if r.jsonl != nil {
		r.jsonl.Add(*a)
	}
}
