package labdns

import (
	"net/netip"
	"slices"
	"sync"
	"time"
)

const (
	defaultCacheSize = 4096
	// maxNegativeTTL caps how long a "no" is remembered: in a lab someone is
	// usually fixing the zone that said it.
	maxNegativeTTL = 60 * time.Second
	// servFailTTL: RFC 2308 §7.1 allows caching server failures for up to
	// five minutes; a few seconds keeps a broken server from being hammered
	// without hiding its repair.
	servFailTTL = 5 * time.Second
)

// result is one lookup's outcome, cached whole so a hit returns exactly what
// the miss did.
type result struct {
	srv   []SRV
	addrs []netip.Addr
	err   *LookupError
	ttl   time.Duration // how long it may be cached; 0: not at all
	// wouldWait: not looked up, NoWait forbade asking a server; never cached
	wouldWait bool
}

// cache maps "name|type" (lower-case) to results until their TTL runs out.
// It is bounded: when full it drops expired entries and, if that is not
// enough, arbitrary ones (Go's map order), an eighth at a time so the sweep
// is paid rarely.
type cache struct {
	mu      sync.Mutex
	max     int
	now     func() time.Time
	entries map[string]cacheEntry
}

type cacheEntry struct {
	res     result
	expires time.Time
}

// newCache returns nil (no caching) when size < 0.
func newCache(size int, now func() time.Time) *cache {
	if size < 0 {
		return nil
	}
	if size == 0 {
		size = defaultCacheSize
	}
	return &cache{max: size, now: now, entries: make(map[string]cacheEntry)}
}

func (c *cache) get(key string) (result, bool) {
	if c == nil {
		return result{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return result{}, false
	}
	if !c.now().Before(e.expires) {
		delete(c.entries, key)
		return result{}, false
	}
	return e.res.clone(), true
}

func (c *cache) put(key string, res result) {
	if c == nil || res.ttl <= 0 || (res.err != nil && res.err.Kind.transient()) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		c.evict(now)
	}
	c.entries[key] = cacheEntry{res: res.clone(), expires: now.Add(res.ttl)}
}

func (c *cache) evict(now time.Time) {
	for k, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
	if len(c.entries) < c.max {
		return
	}
	target := c.max - max(c.max/8, 1)
	for k := range c.entries {
		if len(c.entries) <= target {
			break
		}
		delete(c.entries, k)
	}
}

func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// clone keeps callers and the cache from sharing slices or errors.
func (r result) clone() result {
	r.srv = slices.Clone(r.srv)
	r.addrs = slices.Clone(r.addrs)
	if r.err != nil {
		e := *r.err
		r.err = &e
	}
	return r
}
