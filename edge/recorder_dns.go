package edge

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"sync"

	"github.com/edgesim/edgesim/labdns"
	"github.com/edgesim/edgesim/record"
)

// dnsCollector gathers the lookups made for one attempt.
type dnsCollector struct {
	mu      sync.Mutex
	lookups []record.DNSLookup
}

func (d *dnsCollector) add(l record.DNSLookup) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.lookups) < 32 {
		d.lookups = append(d.lookups, l)
	}
}

// take hands the lookups over without a copy, for a collector whose lookups are all made.
func (d *dnsCollector) take() []record.DNSLookup {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	l := d.lookups
	d.lookups = nil
	return l
}

func (d *dnsCollector) list() []record.DNSLookup {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]record.DNSLookup(nil), d.lookups...)
}

type dnsKey struct{}

func withDNS(ctx context.Context, d *dnsCollector) context.Context {
	return context.WithValue(ctx, dnsKey{}, d)
}

// recordingResolver notes every lookup in the attempt's collector and the metrics.
type recordingResolver struct {
	labdns.Resolver
	rec *Recorder
}

// resolverFor wraps base when recording is on.
func (r *Recorder) resolverFor(base labdns.Resolver) labdns.Resolver {
	if r == nil {
		return base
	}
	return recordingResolver{Resolver: base, rec: r}
}

func (rr recordingResolver) LookupSRV(ctx context.Context, name string) ([]labdns.SRV, error) {
	var info labdns.LookupInfo
	recs, err := rr.Resolver.LookupSRV(labdns.WithLookupInfo(ctx, &info), name)
	l := record.DNSLookup{Question: name, Type: "SRV", CacheHit: info.CacheHit}
	for _, s := range recs {
		l.Answer = append(l.Answer, strconv.Itoa(int(s.Priority))+" "+strconv.Itoa(int(s.Weight))+" "+strconv.Itoa(int(s.Port))+" "+s.Target)
	}
	rr.note(ctx, l, err)
	return recs, err
}

func (rr recordingResolver) LookupHost(ctx context.Context, host string) ([]netip.Addr, error) {
	var info labdns.LookupInfo
	addrs, err := rr.Resolver.LookupHost(labdns.WithLookupInfo(ctx, &info), host)
	l := record.DNSLookup{Question: host, Type: "A/AAAA", CacheHit: info.CacheHit}
	for _, a := range addrs {
		l.Answer = append(l.Answer, a.String())
	}
	rr.note(ctx, l, err)
	return addrs, err
}

func (rr recordingResolver) note(ctx context.Context, l record.DNSLookup, err error) {
	if errors.Is(err, labdns.ErrWouldWait) {
		return // not a lookup: the decision is asked again where it may wait, and that one is noted
	}
	l.Rcode = rcodeOf(err)
	if err != nil {
		l.Error = err.Error()
	}
	if d, _ := ctx.Value(dnsKey{}).(*dnsCollector); d != nil {
		d.add(l)
	}
	rr.rec.counters.dnsQuery(l.Type, l.Rcode)
}

// rcodeOf names the answer's rcode; a lookup that got no answer says why instead.
func rcodeOf(err error) string {
	if err == nil {
		return "NOERROR" // before the targets below are declared: errors.As moves them to the heap
	}
	var le *labdns.LookupError
	var rc labdns.RcodeError
	switch {
	case errors.As(err, &rc):
		return (&rc).Error()[len("server answered "):]
	case !errors.As(err, &le):
		return "error"
	}
	switch le.Kind {
	case labdns.KindNXDomain:
		return "NXDOMAIN"
	case labdns.KindNoRecords:
		return "NOERROR" // NODATA
	case labdns.KindServFail:
		return "SERVFAIL"
	case labdns.KindTimeout:
		return "timeout"
	}
	return "error"
}
