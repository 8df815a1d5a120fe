package labdns

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// systemTTL stands in for the TTLs the operating system's resolver does not
// report, positive and negative alike.
const systemTTL = 30 * time.Second

// errSystemNotFound explains why a system lookup is never KindNoRecords.
var errSystemNotFound = errors.New("no such host (the system resolver reports NXDOMAIN and NODATA alike)")

// NewSystemResolver uses the operating system's resolver (net.DefaultResolver,
// so /etc/hosts and resolv.conf apply). It cannot tell NODATA from NXDOMAIN
// and reports both as KindNXDomain; results are cached for 30s.
func NewSystemResolver(opts ResolverOptions) Resolver {
	return newResolver(systemBackend{r: net.DefaultResolver}, opts)
}

type systemBackend struct {
	r *net.Resolver
}

func (b systemBackend) lookupSRV(ctx context.Context, name string) result {
	// Empty service and proto make Go look the name up as given; the root
	// dot keeps resolv.conf's search list from trying other names whose
	// failure would then be the one reported.
	_, recs, err := b.r.LookupSRV(ctx, "", "", name+".")
	if err != nil && len(recs) == 0 {
		return result{err: systemError(ctx, name, typeSRV, err), ttl: systemTTL}
	}
	srvs := make([]SRV, 0, len(recs))
	for _, s := range recs {
		srvs = append(srvs, SRV{
			Target:   normalise(s.Target),
			Port:     s.Port,
			Priority: s.Priority,
			Weight:   s.Weight,
			TTL:      uint32(systemTTL / time.Second),
		})
	}
	return srvResult(name, srvs, systemTTL)
}

func (b systemBackend) lookupHost(ctx context.Context, host string) result {
	ips, err := b.r.LookupNetIP(ctx, "ip", host+".")
	if err != nil && len(ips) == 0 {
		return result{err: systemError(ctx, host, typeHost, err), ttl: systemTTL}
	}
	for i := range ips {
		ips[i] = ips[i].Unmap()
	}
	slices.SortStableFunc(ips, func(a, b netip.Addr) int {
		switch {
		case a.Is4() == b.Is4():
			return 0
		case a.Is4():
			return -1
		}
		return 1
	})
	return result{addrs: ips, ttl: systemTTL}
}

// systemError maps Go's *net.DNSError onto the kinds.
func systemError(ctx context.Context, name, typ string, err error) *LookupError {
	le := &LookupError{Name: name, Type: typ, Kind: KindServFail, Err: err}
	var de *net.DNSError
	isDNS := errors.As(err, &de)
	var op *net.OpError
	switch {
	case isDNS && de.IsNotFound:
		le.Kind, le.Err = KindNXDomain, errSystemNotFound
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) || (isDNS && de.IsTimeout):
		le.Kind = KindTimeout
	case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
		le.Kind = KindNetwork
	case isDNS && strings.Contains(de.Err, "server misbehaving"):
		// Go's word for SERVFAIL, REFUSED and every other error rcode.
		le.Kind = KindServFail
	case errors.As(err, &op):
		le.Kind = KindNetwork
	}
	return le
}
