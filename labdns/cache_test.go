package labdns

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"
)

func TestCacheExpiry(t *testing.T) {
	clock := newFakeClock()
	c := newCache(0, clock.Now)
	c.put("a|SRV", result{srv: []SRV{{Target: "a"}}, ttl: 10 * time.Second})
	tests := []struct {
		name    string
		advance time.Duration
		hit     bool
	}{
		{"fresh", 0, true},
		{"just before expiry", 9*time.Second + 999*time.Millisecond, true},
		{"at expiry", time.Millisecond, false},
		{"gone afterwards", time.Hour, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock.Advance(tc.advance)
			if _, hit := c.get("a|SRV"); hit != tc.hit {
				t.Errorf("hit %v, want %v", hit, tc.hit)
			}
		})
	}
}

func TestCacheWhatIsStored(t *testing.T) {
	tests := []struct {
		name  string
		res   result
		store bool
	}{
		{"positive", result{addrs: []netip.Addr{netip.MustParseAddr("192.0.2.1")}, ttl: time.Minute}, true},
		{"nxdomain", result{err: &LookupError{Kind: KindNXDomain}, ttl: time.Minute}, true},
		{"nodata", result{err: &LookupError{Kind: KindNoRecords}, ttl: time.Minute}, true},
		{"servfail", result{err: &LookupError{Kind: KindServFail}, ttl: servFailTTL}, true},
		{"timeout", result{err: &LookupError{Kind: KindTimeout}, ttl: time.Minute}, false},
		{"network", result{err: &LookupError{Kind: KindNetwork}, ttl: time.Minute}, false},
		{"zero ttl", result{addrs: []netip.Addr{netip.MustParseAddr("192.0.2.1")}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCache(0, time.Now)
			c.put("k", tc.res)
			if _, hit := c.get("k"); hit != tc.store {
				t.Errorf("stored %v, want %v", hit, tc.store)
			}
		})
	}
}

func TestCacheBounded(t *testing.T) {
	clock := newFakeClock()
	c := newCache(16, clock.Now)
	for i := range 1000 {
		c.put(fmt.Sprintf("host%d|A/AAAA", i), result{ttl: time.Minute, addrs: []netip.Addr{netip.MustParseAddr("192.0.2.1")}})
		if n := c.len(); n > 16 {
			t.Fatalf("%d entries after %d puts, limit 16", n, i+1)
		}
	}
	if _, hit := c.get("host999|A/AAAA"); !hit {
		t.Error("the newest entry was evicted")
	}
	t.Run("expired go first", func(t *testing.T) {
		c := newCache(4, clock.Now)
		c.put("old|SRV", result{ttl: time.Second, srv: []SRV{{Target: "old"}}})
		for i := range 3 {
			c.put(fmt.Sprintf("live%d|SRV", i), result{ttl: time.Hour, srv: []SRV{{Target: "live"}}})
		}
		clock.Advance(2 * time.Second)
		c.put("new|SRV", result{ttl: time.Hour, srv: []SRV{{Target: "new"}}})
		for _, k := range []string{"live0|SRV", "live1|SRV", "live2|SRV", "new|SRV"} {
			if _, hit := c.get(k); !hit {
				t.Errorf("%s evicted while an expired entry was there", k)
			}
		}
	})
	t.Run("disabled", func(t *testing.T) {
		var c *cache = newCache(-1, clock.Now)
		c.put("k", result{ttl: time.Hour, srv: []SRV{{Target: "x"}}})
		if _, hit := c.get("k"); hit {
			t.Error("disabled cache returned a hit")
		}
	})
}

// Run with -race: the cache is shared by every lookup of a resolver.
func TestCacheConcurrent(t *testing.T) {
	c := newCache(64, time.Now)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				key := fmt.Sprintf("k%d", (g*31+i)%100)
				if res, hit := c.get(key); hit && len(res.srv) != 1 {
					t.Errorf("entry %s has %d records", key, len(res.srv))
				}
				c.put(key, result{ttl: time.Minute, srv: []SRV{{Target: key}}})
			}
		})
	}
	wg.Wait()
	if n := c.len(); n > 64 {
		t.Errorf("%d entries, limit 64", n)
	}
}
