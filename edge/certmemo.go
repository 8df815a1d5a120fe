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
// so the requests of one connection, and the connections of one peer, share one explanation of its
// chain. Entries are found by the chain's content, never by its parsed certificates: those are each
// connection's own, and keying on them made an entry per connection that outlived the connection.
type explainMemo struct {
	mu     sync.Mutex
	byLeaf map[string][]explained // the leaf's signature → the explanations of chains it starts
	n, max int
}

// explained is one remembered rule: the chain it was built for (DER, copied, so the handshake
// buffers the certificates were parsed from are not kept) and the rest of the key.
type explained struct {
	leaf string
	tail []string
	key  explainRest
	rule policy.Rule
}

type explainRest struct {
	candidates string
	usage      x509.ExtKeyUsage
	matched    string
	minute     int64
}

func newExplainMemo(max int) *explainMemo {
	return &explainMemo{byLeaf: map[string][]explained{}, max: max}
}

func (m *explainMemo) Explain(k policy.ExplainKey, build func() policy.Rule) policy.Rule {
	for _, c := range k.Chain {
		if c == nil {
			return build() // nothing to name it by; the rule itself says what is missing
		}
	}
	rest := explainRest{candidates: k.Candidates, usage: k.Usage, matched: k.Matched, minute: k.Minute}
	// Found by the leaf's signature, a few dozen bytes that name it, then compared whole: hashing
	// the whole certificate on every request would cost more than the rule's memo saves.
	leaf, sig, tail := k.Chain[0].Raw, k.Chain[0].Signature, k.Chain[1:]
	m.mu.Lock()
	for _, e := range m.byLeaf[string(sig)] { // string(sig) here does not copy
		if e.key == rest && e.leaf == string(leaf) && sameTail(e.tail, tail) {
			m.mu.Unlock()
			return e.rule
		}
	}
	m.mu.Unlock()
	r := build()
	e := explained{leaf: string(leaf), tail: make([]string, len(tail)), key: rest, rule: r}
	for i, c := range tail {
		e.tail[i] = string(c.Raw)
	}
	m.mu.Lock()
	if m.n >= m.max {
		clear(m.byLeaf) // as the verdict memo: a lab sees few peers, and the minute moves on anyway
		m.n = 0
	}
	m.byLeaf[string(sig)] = append(m.byLeaf[string(sig)], e)
	m.n++
	m.mu.Unlock()
	return r
}

func sameTail(der []string, chain []*x509.Certificate) bool {
	if len(der) != len(chain) {
		return false
	}
	for i, c := range chain {
		if der[i] != string(c.Raw) {
			return false
		}
	}
	return true
}
