package labdns

import (
	"context"
	"testing"
)

func TestLookupInfoReportsCacheHits(t *testing.T) {
	r := NewEmbeddedResolver(mustZones(t, DefaultZones()), ResolverOptions{})
	for i, want := range []bool{false, true} {
		var info LookupInfo
		if _, err := r.LookupHost(WithLookupInfo(context.Background(), &info), "sip.skype.lab"); err != nil {
			t.Fatal(err)
		}
		if info.CacheHit != want {
			t.Fatalf("lookup %d: cache hit %v, want %v", i, info.CacheHit, want)
		}
	}
}
