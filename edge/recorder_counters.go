package edge

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgesim/edgesim/metrics"
	"github.com/edgesim/edgesim/record"
)

type incer interface{ Inc() }

type nopInc struct{}

func (nopInc) Inc() {}

// counters are the metrics the Recorder feeds, each label set resolved once: a label lookup hashes
// every value, which per SIP message is most of what a metric costs. The maps belong to the worker;
// the drop counters and the DNS cache are safe anywhere.
type counters struct {
	m                                  *metrics.Metrics
	dropRecord, dropPCAPNG, dropKeyLog incer
	dropHEP, dropJSONL                 incer
	responses                          map[responseKey]prometheus.Counter
	attempts                           map[attemptKey]prometheus.Counter
	handshakes                         map[handshakeKey]prometheus.Counter
	dns                                sync.Map // dnsLabels → prometheus.Counter; lookups run on the calls' goroutines
	dnsCached                          atomic.Int32
}

type dnsLabels struct{ qtype, rcode string }

type responseKey struct {
	inbound bool
	method  string
	status  int
}

type attemptKey struct{ direction, method, outcome, diag string }

type handshakeKey struct {
	inbound, ok bool
	version     string
}

func (c *counters) init(m *metrics.Metrics) {
	c.m = m
	if m == nil {
		c.dropRecord, c.dropPCAPNG, c.dropKeyLog, c.dropHEP, c.dropJSONL = nopInc{}, nopInc{}, nopInc{}, nopInc{}, nopInc{}
		return
	}
	d := m.Dropped
	c.dropRecord, c.dropPCAPNG, c.dropKeyLog = d.WithLabelValues("record"), d.WithLabelValues("pcapng"), d.WithLabelValues("keylog")
	c.dropHEP, c.dropJSONL = d.WithLabelValues("hep"), d.WithLabelValues("jsonl")
	c.responses, c.attempts, c.handshakes = map[responseKey]prometheus.Counter{}, map[attemptKey]prometheus.Counter{}, map[handshakeKey]prometheus.Counter{}
}

// maxCached bounds each map: the label values come from the wire (a CSeq method, a status code).
const maxCached = 1024

func (c *counters) response(inbound bool, method string, status int) {
	if c.m == nil {
		return
	}
	k := responseKey{inbound, method, status}
	ctr, ok := c.responses[k]
	if !ok {
		ctr = c.m.Responses.WithLabelValues(direction(inbound), method, strconv.Itoa(status))
		if len(c.responses) < maxCached {
			c.responses[k] = ctr
		}
	}
	ctr.Inc()
}

func (c *counters) attempt(a *record.Attempt) {
	if c.m == nil {
		return
	}
	k := attemptKey{a.Direction, a.Method, a.Outcome, ""}
	if a.Diagnostic != 0 {
		k.diag = strconv.Itoa(a.Diagnostic)
	}
	ctr, ok := c.attempts[k]
	if !ok {
		ctr = c.m.Attempts.WithLabelValues(k.direction, k.method, k.outcome, k.diag)
		if len(c.attempts) < maxCached {
			c.attempts[k] = ctr
		}
	}
	ctr.Inc()
}

func (c *counters) handshake(inbound, ok bool, version string, took time.Duration) {
	if c.m == nil {
		return
	}
	k := handshakeKey{inbound, ok, version}
	ctr, found := c.handshakes[k]
	if !found {
		res := "ok"
		if !ok {
			res = "failed"
		}
		ctr = c.m.Handshakes.WithLabelValues(direction(inbound), res, version)
		if len(c.handshakes) < maxCached {
			c.handshakes[k] = ctr
		}
	}
	ctr.Inc()
	c.m.HandshakeTime.Observe(took.Seconds())
}

func (c *counters) callStarted() {
	if c.m != nil {
		c.m.CallsActive.Inc()
	}
}

func (c *counters) callEnded() {
	if c.m != nil {
		c.m.CallsActive.Dec()
	}
}

// dnsQuery counts one lookup. It runs on the call's own goroutine, hence the sync.Map.
func (c *counters) dnsQuery(qtype, rcode string) {
	if c.m == nil {
		return
	}
	k := dnsLabels{qtype, rcode}
	if ctr, ok := c.dns.Load(k); ok {
		ctr.(prometheus.Counter).Inc()
		return
	}
	ctr := c.m.DNSQueries.WithLabelValues(qtype, rcode)
	if c.dnsCached.Load() < maxCached {
		if _, loaded := c.dns.LoadOrStore(k, ctr); !loaded {
			c.dnsCached.Add(1)
		}
	}
	ctr.Inc()
}
