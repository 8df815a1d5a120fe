package labdns

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

const defaultTimeout = 2 * time.Second

// SRV is one SRV record as the Edge uses it.
type SRV struct {
	Target   string // lower-case, without the trailing dot
	Port     uint16
	Priority uint16
	Weight   uint16
	TTL      uint32
}

// Resolver is what the Edge asks. Errors are always *LookupError.
type Resolver interface {
	// LookupSRV looks up the full owner name, e.g.
	// "_sipfederationtls._tcp.acano.steven.lab". Records come sorted by
	// priority, then weight (heaviest first), then target, so the first is
	// the one to try; weighted random choice would only make the lab
	// unrepeatable.
	LookupSRV(ctx context.Context, name string) ([]SRV, error)
	// LookupHost returns the IPv4 then the IPv6 addresses of host, following
	// CNAMEs. An IP literal is returned as is.
	LookupHost(ctx context.Context, host string) ([]netip.Addr, error)
}

// ResolverOptions tunes every resolver kind.
type ResolverOptions struct {
	Timeout   time.Duration    // per lookup (both queries of LookupHost together); <= 0: 2s
	CacheSize int              // entries; 0: 4096; < 0: no cache
	Now       func() time.Time // the cache's clock; nil: time.Now
}

// NewResolver picks a resolver by the config word (dns.resolver):
// "embedded" or "" answers from z in-process, "system" uses the operating
// system's resolver, and "HOST:PORT" asks that DNS server.
func NewResolver(mode string, z *ZoneSet, opts ResolverOptions) (Resolver, error) {
	switch strings.ToLower(strings.TrimSpace(mode)) {
	case "", "embedded":
		if z == nil {
			return nil, errors.New("labdns: embedded resolver needs zones")
		}
		return NewEmbeddedResolver(z, opts), nil
	case "system":
		return NewSystemResolver(opts), nil
	}
	host, port, err := net.SplitHostPort(mode)
	if err == nil {
		if _, perr := strconv.ParseUint(port, 10, 16); perr != nil || host == "" {
			err = errors.New("the host is empty or the port not a number")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("labdns: resolver %q: want embedded, system or HOST:PORT: %w", mode, err)
	}
	return NewRemoteResolver(mode, opts), nil
}

// NewEmbeddedResolver answers from z without a socket, exactly as Server
// would over the wire.
func NewEmbeddedResolver(z *ZoneSet, opts ResolverOptions) Resolver {
	r := newResolver(msgBackend{exchange: func(ctx context.Context, q dns.Question) (*dns.Msg, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return z.Answer(q), nil
	}}, opts)
	r.inMemory = true
	return r
}

// resolver adds what every backend shares: name normalisation, the
// per-lookup timeout and the cache.
type resolver struct {
	backend  backend
	cache    *cache
	timeout  time.Duration
	inMemory bool // the backend never waits on a socket
}

// backend does one uncached lookup; the name is lower-case without the
// trailing dot and the context carries the lookup's deadline.
type backend interface {
	lookupSRV(ctx context.Context, name string) result
	lookupHost(ctx context.Context, host string) result
}

func newResolver(b backend, opts ResolverOptions) *resolver {
	if opts.Timeout <= 0 {
		opts.Timeout = defaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &resolver{backend: b, cache: newCache(opts.CacheSize, opts.Now), timeout: opts.Timeout}
}

func (r *resolver) LookupSRV(ctx context.Context, name string) ([]SRV, error) {
	name = normalise(name)
	res := r.lookup(ctx, name, typeSRV, r.backend.lookupSRV)
	if res.wouldWait {
		return nil, ErrWouldWait
	}
	if res.err != nil {
		return nil, res.err
	}
	return res.srv, nil
}

func (r *resolver) LookupHost(ctx context.Context, host string) ([]netip.Addr, error) {
	host = normalise(host)
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip.Unmap()}, nil
	}
	res := r.lookup(ctx, host, typeHost, r.backend.lookupHost)
	if res.wouldWait {
		return nil, ErrWouldWait
	}
	if res.err != nil {
		return nil, res.err
	}
	return res.addrs, nil
}

const (
	typeSRV  = "SRV"
	typeHost = "A/AAAA"
)

func (r *resolver) lookup(ctx context.Context, name, typ string, do func(context.Context, string) result) result {
	if _, ok := dns.IsDomainName(name); !ok || name == "" {
		// Go's resolver says "no such host" for these too; the Edge sees a
		// domain that cannot exist, which is what a malformed one is.
		return result{err: &LookupError{Name: name, Type: typ, Kind: KindNXDomain, Err: errors.New("not a valid domain name")}}
	}
	key := name + "|" + typ
	res, ok := r.cache.get(key)
	if info, _ := ctx.Value(lookupInfoKey{}).(*LookupInfo); info != nil {
		info.CacheHit = ok
	}
	if ok {
		return res
	}
	if !r.inMemory && ctx.Value(noWaitKey{}) != nil {
		return result{wouldWait: true}
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	res = do(ctx, name)
	r.cache.put(key, res)
	return res
}

func normalise(name string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
}

// sortSRV orders records so the first is the one to try (see LookupSRV).
func sortSRV(srvs []SRV) {
	slices.SortFunc(srvs, func(a, b SRV) int {
		return cmp.Or(
			cmp.Compare(a.Priority, b.Priority),
			cmp.Compare(b.Weight, a.Weight),
			strings.Compare(a.Target, b.Target),
			cmp.Compare(a.Port, b.Port),
		)
	})
}

// srvResult turns records into the result of an SRV lookup, dropping the
// "." target that RFC 2782 uses to say "not here".
func srvResult(name string, srvs []SRV, ttl time.Duration) result {
	had := len(srvs) > 0
	srvs = slices.DeleteFunc(srvs, func(s SRV) bool { return s.Target == "" })
	if len(srvs) == 0 {
		var detail error
		if had {
			detail = ErrServiceNotAvailable
		}
		return result{err: &LookupError{Name: name, Type: typeSRV, Kind: KindNoRecords, Err: detail}, ttl: min(ttl, maxNegativeTTL)}
	}
	sortSRV(srvs)
	return result{srv: srvs, ttl: ttl}
}

// transportError classifies a failure to get any answer.
func transportError(name, typ string, err error) *LookupError {
	kind := KindNetwork
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		kind = KindTimeout
	}
	return &LookupError{Name: name, Type: typ, Kind: kind, Err: err}
}

// combineHost merges the A and AAAA halves of a host lookup: any address is
// success; otherwise the most telling failure wins. A transient failure on
// either half keeps the whole from being cached, since the missing half
// might have had addresses.
func combineHost(host string, a, aaaa result) result {
	out := result{addrs: append(a.addrs, aaaa.addrs...), ttl: minTTL(a.ttl, aaaa.ttl)}
	transient := func(r result) bool { return r.err != nil && r.err.Kind.transient() }
	if transient(a) || transient(aaaa) {
		out.ttl = 0
	}
	if len(out.addrs) > 0 {
		return out
	}
	for _, r := range []*result{&a, &aaaa} {
		if r.err == nil { // records that held no usable address
			r.err = &LookupError{Name: host, Type: typeHost, Kind: KindNoRecords}
		}
	}
	pick := a.err
	switch {
	case transient(a):
	case transient(aaaa):
		pick = aaaa.err
	case a.err.Kind == KindServFail:
	case aaaa.err.Kind == KindServFail:
		pick = aaaa.err
	case a.err.Kind == KindNXDomain && aaaa.err.Kind == KindNXDomain:
	default:
		// NODATA on either half means the name exists.
		if a.err.Kind != KindNoRecords {
			pick = aaaa.err
		}
	}
	e := *pick
	e.Type = typeHost
	out.err = &e
	return out
}

// minTTL is the smaller TTL, treating 0 ("unknown") as no limit only when
// the other is known.
func minTTL(a, b time.Duration) time.Duration {
	switch {
	case a <= 0:
		return b
	case b <= 0:
		return a
	}
	return min(a, b)
}

// LookupInfo is what a resolver tells about one lookup beyond its answer.
type LookupInfo struct {
	CacheHit bool // answered from the resolver's cache
}

type lookupInfoKey struct{}

// WithLookupInfo asks the resolvers of this package to fill info on the lookup made with the returned
// context. It is for one lookup at a time.
func WithLookupInfo(ctx context.Context, info *LookupInfo) context.Context {
	return context.WithValue(ctx, lookupInfoKey{}, info)
}

type noWaitKey struct{}

// ErrWouldWait is the answer, under NoWait, to a lookup the cache cannot answer and a server would.
var ErrWouldWait = errors.New("labdns: the answer is not cached and a lookup would wait on the network")

// NoWait asks the resolvers of this package to answer the lookups made with the returned context
// only from their cache or their own zones, failing with ErrWouldWait where a server would be asked.
// The SIP layer decides a request on the connection's reader this way, and elsewhere when it must wait.
func NoWait(ctx context.Context) context.Context { return context.WithValue(ctx, noWaitKey{}, true) }
