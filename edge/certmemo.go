package edge

import (
	"crypto/sha256"
	"crypto/x509"
	"sync"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/edge/policy"
)

// certMemo remembers verdicts on chains for a while: a peer sends many requests on one connection with
// the same chain, and verifying signatures costs far more than the rest of the decision. The key holds
// everything the rule reads but the clock, which bounds each entry instead.
type certMemo struct {
	mu      sync.Mutex
	entries map[memoKey]memoEntry
	ttl     time.Duration
	max     int
}

type memoKey struct {
	chain [sha256.Size]byte
	fqdn  string
	usage x509.ExtKeyUsage
	roots *x509.CertPool
}

type memoEntry struct {
	res     certs.CheckResult
	validTo time.Time
}

func newCertMemo(ttl time.Duration, max int) *certMemo {
	return &certMemo{entries: map[memoKey]memoEntry{}, ttl: ttl, max: max}
}

func (m *certMemo) Check(in certs.CheckInput) certs.CheckResult {
	if len(in.Chain) == 0 {
		return certs.Check(in)
	}
	h := sha256.New()
	for _, c := range in.Chain {
		h.Write(c.Raw)
	}
	k := memoKey{fqdn: in.FQDN, usage: in.Usage, roots: in.Roots}
	h.Sum(k.chain[:0])
	now := in.Now
	m.mu.Lock()
	e, ok := m.entries[k]
	m.mu.Unlock()
	if ok && now.Before(e.validTo) && !now.Before(in.Chain[0].NotBefore) {
		return e.res
	}
	res := certs.Check(in)
	validTo := now.Add(m.ttl)
	if na := in.Chain[0].NotAfter; res.Fault == certs.FaultNone && na.Before(validTo) {
		validTo = na // a passing verdict must not outlive the certificate
	}
	m.mu.Lock()
	if len(m.entries) >= m.max {
		clear(m.entries) // a lab sees few peers; starting over is simpler than an eviction order
	}
	m.entries[k] = memoEntry{res: res, validTo: validTo}
	m.mu.Unlock()
	return res
}

// explainMemo remembers the certificate rule's trace entries, keyed to the minute (policy.ExplainKey),
// so the requests of one connection share one explanation of its chain.
type explainMemo struct {
	mu      sync.Mutex
	entries map[policy.ExplainKey]policy.Rule
	max     int
}

func newExplainMemo(max int) *explainMemo {
	return &explainMemo{entries: map[policy.ExplainKey]policy.Rule{}, max: max}
}

func (m *explainMemo) Explain(k policy.ExplainKey, build func() policy.Rule) policy.Rule {
	m.mu.Lock()
	r, ok := m.entries[k]
	m.mu.Unlock()
	if ok {
		return r
	}
	r = build()
	m.mu.Lock()
	if len(m.entries) >= m.max {
		clear(m.entries) // as the verdict memo: a lab sees few peers, and the minute moves on anyway
	}
	m.entries[k] = r
	m.mu.Unlock()
	return r
}
