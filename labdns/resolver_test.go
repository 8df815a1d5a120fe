package labdns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

var resolverZones = map[string]string{
	"acano.steven.lab": `@ IN SOA ns1 hostmaster 1 3600 600 86400 600 ; negative TTL above the 60s cap
_sipfederationtls._tcp  IN SRV 20 10 5062 backup
_sipfederationtls._tcp  IN SRV 10 20 5061 VCSE.acano.steven.lab.
_sipfederationtls._tcp  IN SRV 10 60 5061 vcse2
vcse                    IN A    192.0.2.11
vcse               30   IN AAAA 2001:db8::11
vcse                    IN A    192.0.2.12
vcse2                   IN A    192.0.2.13
backup                  IN A    192.0.2.14
alias              120  IN CNAME vcse
v6only                  IN AAAA 2001:db8::6
txtonly                 IN TXT  "no address here"
loop1                   IN CNAME loop2
loop2                   IN CNAME loop1
_sipfederationtls._tcp.dot IN SRV 0 0 0 .
`,
}

// lookupCase is one lookup and its expected outcome, for every resolver.
type lookupCase struct {
	name     string
	srv      string // owner for LookupSRV; "" means LookupHost(host)
	host     string
	wantSRV  []SRV
	wantAddr []string
	wantKind ErrorKind // 0: success
	wantIs   error     // a further errors.Is target
	wantErr  string    // exact Error(); "" to skip
}

var lookupCases = []lookupCase{
	{
		name: "srv sorted by priority then weight", srv: "_sipfederationtls._tcp.acano.steven.lab",
		wantSRV: []SRV{
			{Target: "vcse2.acano.steven.lab", Port: 5061, Priority: 10, Weight: 60, TTL: 300},
			{Target: "vcse.acano.steven.lab", Port: 5061, Priority: 10, Weight: 20, TTL: 300},
			{Target: "backup.acano.steven.lab", Port: 5062, Priority: 20, Weight: 10, TTL: 300},
		},
	},
	{
		name: "srv name in any case with trailing dot", srv: "_SIPFEDERATIONTLS._tcp.Acano.Steven.Lab.",
		wantSRV: []SRV{
			{Target: "vcse2.acano.steven.lab", Port: 5061, Priority: 10, Weight: 60, TTL: 300},
			{Target: "vcse.acano.steven.lab", Port: 5061, Priority: 10, Weight: 20, TTL: 300},
			{Target: "backup.acano.steven.lab", Port: 5062, Priority: 20, Weight: 10, TTL: 300},
		},
	},
	{
		name: "srv nxdomain", srv: "_sipfederationtls._tcp.nope.acano.steven.lab", wantKind: KindNXDomain,
		wantErr: "lookup _sipfederationtls._tcp.nope.acano.steven.lab SRV: no such domain (NXDOMAIN)",
	},
	{
		name: "srv nodata", srv: "vcse.acano.steven.lab", wantKind: KindNoRecords,
		wantErr: "lookup vcse.acano.steven.lab SRV: no records (NODATA)",
	},
	{
		name: "srv on an empty non-terminal is nodata", srv: "_tcp.acano.steven.lab", wantKind: KindNoRecords,
	},
	{
		name: "srv dot target is service not available", srv: "_sipfederationtls._tcp.dot.acano.steven.lab",
		wantKind: KindNoRecords, wantIs: ErrServiceNotAvailable,
	},
	{
		name: "srv refused outside the lab", srv: "_sipfederationtls._tcp.example.com", wantKind: KindServFail,
		wantIs:  RcodeError{Rcode: dns.RcodeRefused},
		wantErr: "lookup _sipfederationtls._tcp.example.com SRV: server failure: server answered REFUSED",
	},
	{
		name: "srv through a cname loop is servfail", srv: "loop1.acano.steven.lab", wantKind: KindServFail,
		wantIs: RcodeError{Rcode: dns.RcodeServerFailure},
	},
	{name: "host a then aaaa", host: "vcse.acano.steven.lab", wantAddr: []string{"192.0.2.11", "192.0.2.12", "2001:db8::11"}},
	{name: "host through cname", host: "Alias.Acano.Steven.Lab.", wantAddr: []string{"192.0.2.11", "192.0.2.12", "2001:db8::11"}},
	{name: "host ipv6 only", host: "v6only.acano.steven.lab", wantAddr: []string{"2001:db8::6"}},
	{name: "host ip literal", host: "192.0.2.77", wantAddr: []string{"192.0.2.77"}},
	{
		name: "host nxdomain", host: "nope.acano.steven.lab", wantKind: KindNXDomain,
		wantErr: "lookup nope.acano.steven.lab A/AAAA: no such domain (NXDOMAIN)",
	},
	{name: "host nodata", host: "txtonly.acano.steven.lab", wantKind: KindNoRecords},
	{name: "host refused", host: "www.example.com", wantKind: KindServFail, wantIs: RcodeError{Rcode: dns.RcodeRefused}},
	{name: "host malformed name", host: "bad..name.lab", wantKind: KindNXDomain},
}

func runLookup(t *testing.T, r Resolver, tc lookupCase) {
	t.Helper()
	var err error
	if tc.srv != "" {
		var got []SRV
		got, err = r.LookupSRV(context.Background(), tc.srv)
		if !slices.Equal(got, tc.wantSRV) {
			t.Errorf("SRV\n got %+v\nwant %+v", got, tc.wantSRV)
		}
	} else {
		var got []netip.Addr
		got, err = r.LookupHost(context.Background(), tc.host)
		var gs []string
		for _, a := range got {
			gs = append(gs, a.String())
		}
		if !slices.Equal(gs, tc.wantAddr) {
			t.Errorf("addresses %v, want %v", gs, tc.wantAddr)
		}
	}
	checkLookupError(t, err, tc.wantKind, tc.wantIs)
	if tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr) {
		t.Errorf("error %v\nwant  %s", err, tc.wantErr)
	}
}

// checkLookupError asserts the kind, that only its own sentinel matches, and
// the extra errors.Is target.
func checkLookupError(t *testing.T, err error, want ErrorKind, alsoIs error) {
	t.Helper()
	if want == 0 {
		if err != nil {
			t.Errorf("unexpected error %v", err)
		}
		return
	}
	var le *LookupError
	if !errors.As(err, &le) {
		t.Fatalf("error %T %v, want *LookupError of kind %v", err, err, want)
	}
	if le.Kind != want {
		t.Errorf("kind %v, want %v (%v)", le.Kind, want, err)
	}
	for kind := KindNXDomain; kind <= KindNetwork; kind++ {
		if got := errors.Is(err, kind.sentinel()); got != (kind == want) {
			t.Errorf("errors.Is(err, %v sentinel) = %v", kind, got)
		}
	}
	if alsoIs != nil && !errors.Is(err, alsoIs) {
		t.Errorf("errors.Is(%v, %v) = false", err, alsoIs)
	}
}

func TestResolversAgree(t *testing.T) {
	z := mustZones(t, resolverZones)
	s := startServer(t, z)
	resolvers := map[string]func() Resolver{
		"embedded": func() Resolver { return NewEmbeddedResolver(z, ResolverOptions{}) },
		"remote":   func() Resolver { return NewRemoteResolver(s.Addr(), ResolverOptions{}) },
		"nocache":  func() Resolver { return NewRemoteResolver(s.Addr(), ResolverOptions{CacheSize: -1}) },
	}
	for _, kind := range []string{"embedded", "remote", "nocache"} {
		r := resolvers[kind]()
		for _, tc := range lookupCases {
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				runLookup(t, r, tc)
				runLookup(t, r, tc) // the second answer may come from the cache and must not differ
			})
		}
	}
}

// The operating system's resolver is pointed at the lab server, so its
// error mapping is tested against real answers.
func TestSystemResolverMapping(t *testing.T) {
	z := mustZones(t, resolverZones)
	s := startServer(t, z)
	silent, _ := silentServer(t)
	system := func(addr string, opts ResolverOptions) Resolver {
		nr := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}}
		return newResolver(systemBackend{r: nr}, opts)
	}
	r := system(s.Addr(), ResolverOptions{})
	for _, tc := range lookupCases {
		switch tc.name {
		case "srv nodata", "srv on an empty non-terminal is nodata", "host nodata":
			// Go reports NODATA as "no such host": the documented difference.
			tc.wantKind, tc.wantIs, tc.wantErr = KindNXDomain, nil, ""
		case "srv refused outside the lab", "host refused", "srv through a cname loop is servfail":
			tc.wantIs, tc.wantErr = nil, "" // Go hides the rcode
		case "srv dot target is service not available":
		default:
			tc.wantErr = strings.Replace(tc.wantErr, "(NXDOMAIN)", "(NXDOMAIN): "+errSystemNotFound.Error(), 1)
		}
		if tc.wantSRV != nil {
			tc.wantSRV = slices.Clone(tc.wantSRV)
			for i := range tc.wantSRV {
				tc.wantSRV[i].TTL = uint32(systemTTL / time.Second)
			}
		}
		t.Run(tc.name, func(t *testing.T) { runLookup(t, r, tc) })
	}
	t.Run("silent server times out", func(t *testing.T) {
		r := system(silent, ResolverOptions{Timeout: 300 * time.Millisecond})
		// KindTimeout can only come from the 300ms timeout: the context has no deadline.
		_, err := r.LookupSRV(context.Background(), "_sipfederationtls._tcp.acano.steven.lab")
		checkLookupError(t, err, KindTimeout, nil)
	})
}

func TestRemoteResolverTimeout(t *testing.T) {
	addr, received := silentServer(t)
	const timeout = 300 * time.Millisecond
	r := NewRemoteResolver(addr, ResolverOptions{Timeout: timeout})
	lookups := map[string]func() error{
		"srv": func() error {
			_, err := r.LookupSRV(context.Background(), "_sipfederationtls._tcp.acano.steven.lab")
			return err
		},
		"host": func() error { _, err := r.LookupHost(context.Background(), "vcse.acano.steven.lab"); return err },
	}
	for _, name := range []string{"srv", "host"} {
		t.Run(name, func(t *testing.T) {
			for attempt := 1; attempt <= 2; attempt++ {
				before := received.Load()
				// The context has no deadline of its own, so DeadlineExceeded is the resolver's timeout.
				err := lookups[name]()
				checkLookupError(t, err, KindTimeout, context.DeadlineExceeded)
				// A timeout is not cached: every attempt reaches the server.
				waitFor(t, func() bool { return received.Load() > before })
			}
		})
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 2s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRemoteResolverCancel(t *testing.T) {
	addr, _ := silentServer(t)
	r := NewRemoteResolver(addr, ResolverOptions{Timeout: 10 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	// With a 10s timeout, context.Canceled can only be the cancel at 100ms.
	_, err := r.LookupSRV(ctx, "_sipfederationtls._tcp.acano.steven.lab")
	checkLookupError(t, err, KindNetwork, context.Canceled)
}

func TestRemoteResolverConnectionRefused(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close() // nobody listens there now: the kernel answers port unreachable
	_, err = NewRemoteResolver(addr, ResolverOptions{Timeout: time.Second}).LookupSRV(context.Background(), "_sipfederationtls._tcp.x.lab")
	checkLookupError(t, err, KindNetwork, nil)
}

func TestRemoteResolverTCPRetry(t *testing.T) {
	var zone strings.Builder
	var want []SRV
	for i := range 60 {
		target := fmt.Sprintf("edge-%02d-%s", i, strings.Repeat("x", 40))
		fmt.Fprintf(&zone, "_sipfederationtls._tcp IN SRV 10 %d 5061 %s\n", i, target)
		want = append(want, SRV{Target: target + ".big.lab", Port: 5061, Priority: 10, Weight: uint16(i), TTL: 300})
	}
	slices.Reverse(want) // heaviest first
	s := startServer(t, mustZones(t, map[string]string{"big.lab": zone.String()}))
	got, err := NewRemoteResolver(s.Addr(), ResolverOptions{}).LookupSRV(context.Background(), "_sipfederationtls._tcp.big.lab")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %d records, want all %d", len(got), len(want))
	}
	if n := s.queries.Load(); n != 2 {
		t.Errorf("server saw %d queries, want 2 (UDP truncated, then TCP)", n)
	}
}

func TestResolverCache(t *testing.T) {
	z := mustZones(t, resolverZones)
	s := startServer(t, z)
	clock := newFakeClock()
	r := NewRemoteResolver(s.Addr(), ResolverOptions{Now: clock.Now})
	ctx := context.Background()
	seen := func() uint64 { return s.queries.Load() }

	step := func(t *testing.T, lookup func() error, advance time.Duration, wantQueries uint64) {
		t.Helper()
		clock.Advance(advance)
		before := seen()
		_ = lookup()
		if got := seen() - before; got != wantQueries {
			t.Errorf("after %v: server saw %d queries, want %d", advance, got, wantQueries)
		}
	}
	srv := func(name string) func() error {
		return func() error { _, err := r.LookupSRV(ctx, name); return err }
	}
	host := func(name string) func() error {
		return func() error { _, err := r.LookupHost(ctx, name); return err }
	}

	t.Run("positive answer lives its ttl", func(t *testing.T) {
		lookup := srv("_sipfederationtls._tcp.acano.steven.lab")
		step(t, lookup, 0, 1)
		step(t, lookup, 0, 0)
		step(t, srv("_SIPFEDERATIONTLS._TCP.ACANO.STEVEN.LAB."), 0, 0) // same key in any spelling
		step(t, lookup, 299*time.Second, 0)
		step(t, lookup, time.Second, 1)
	})
	t.Run("host uses the smallest ttl of a, aaaa and cname", func(t *testing.T) {
		lookup := host("alias.acano.steven.lab") // CNAME 120, A 300, AAAA 30
		step(t, lookup, 0, 2)
		step(t, lookup, 29*time.Second, 0)
		step(t, lookup, time.Second, 2)
	})
	t.Run("nxdomain cached for the soa minimum capped at 60s", func(t *testing.T) {
		lookup := srv("_sipfederationtls._tcp.nope.acano.steven.lab")
		step(t, lookup, 0, 1)
		step(t, lookup, 59*time.Second, 0)
		step(t, lookup, time.Second, 1)
	})
	t.Run("nodata cached too", func(t *testing.T) {
		lookup := host("txtonly.acano.steven.lab")
		step(t, lookup, 0, 2)
		step(t, lookup, 30*time.Second, 0)
		step(t, lookup, 30*time.Second, 2)
	})
	t.Run("refused cached briefly", func(t *testing.T) {
		lookup := srv("_sipfederationtls._tcp.example.com")
		step(t, lookup, 0, 1)
		step(t, lookup, servFailTTL-time.Second, 0)
		step(t, lookup, time.Second, 1)
	})
	t.Run("cached error is the same error", func(t *testing.T) {
		name := "_sipfederationtls._tcp.gone.acano.steven.lab"
		_, first := r.LookupSRV(ctx, name)
		_, second := r.LookupSRV(ctx, name)
		if first == nil || second == nil || first.Error() != second.Error() {
			t.Errorf("first %v, second %v", first, second)
		}
	})
	t.Run("disabled cache always asks", func(t *testing.T) {
		nocache := NewRemoteResolver(s.Addr(), ResolverOptions{CacheSize: -1, Now: clock.Now})
		for range 3 {
			step(t, func() error { _, err := nocache.LookupSRV(ctx, "_sipfederationtls._tcp.acano.steven.lab"); return err }, 0, 1)
		}
	})
	t.Run("callers cannot change the cache", func(t *testing.T) {
		first, _ := r.LookupHost(ctx, "vcse.acano.steven.lab")
		first[0] = netip.MustParseAddr("203.0.113.1")
		again, _ := r.LookupHost(ctx, "vcse.acano.steven.lab")
		if again[0].String() != "192.0.2.11" {
			t.Errorf("cache changed through a returned slice: %v", again)
		}
	})
}

func TestNewResolver(t *testing.T) {
	z := mustZones(t, DefaultZones())
	tests := []struct {
		mode    string
		zones   *ZoneSet
		want    string // "embedded", "system", "remote" or "" for an error
		wantErr string
	}{
		{mode: "", zones: z, want: "embedded"},
		{mode: "embedded", zones: z, want: "embedded"},
		{mode: " Embedded ", zones: z, want: "embedded"},
		{mode: "embedded", zones: nil, wantErr: "embedded resolver needs zones"},
		{mode: "system", want: "system"},
		{mode: "127.0.0.1:5353", want: "remote"},
		{mode: "[::1]:53", want: "remote"},
		{mode: "dns.lab:53", want: "remote"},
		{mode: "127.0.0.1", wantErr: `resolver "127.0.0.1": want embedded, system or HOST:PORT`},
		{mode: "127.0.0.1:dns", wantErr: "the host is empty or the port not a number"},
		{mode: "127.0.0.1:70000", wantErr: "the host is empty or the port not a number"},
		{mode: ":53", wantErr: "the host is empty or the port not a number"},
		{mode: "recursive", wantErr: "want embedded, system or HOST:PORT"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q", tc.mode), func(t *testing.T) {
			r, err := NewResolver(tc.mode, tc.zones, ResolverOptions{})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				if r != nil {
					t.Errorf("resolver %v returned with the error", r)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got string
			switch b := r.(*resolver).backend.(type) {
			case systemBackend:
				got = "system"
			case msgBackend:
				got = "embedded"
				if b.server != "" {
					got = "remote"
					if b.server != tc.mode {
						t.Errorf("asks %q, want %q", b.server, tc.mode)
					}
				}
			default:
				t.Fatalf("backend %T", b)
			}
			if got != tc.want {
				t.Errorf("got a %s resolver, want %s", got, tc.want)
			}
		})
	}
}

func TestResolverOptionsDefaults(t *testing.T) {
	r := newResolver(msgBackend{}, ResolverOptions{})
	if r.timeout != defaultTimeout || r.cache == nil || r.cache.max != defaultCacheSize {
		t.Errorf("timeout %v cache %+v", r.timeout, r.cache)
	}
	if r := newResolver(msgBackend{}, ResolverOptions{Timeout: time.Second, CacheSize: -1}); r.timeout != time.Second || r.cache != nil {
		t.Errorf("timeout %v cache %+v", r.timeout, r.cache)
	}
}

func TestCombineHost(t *testing.T) {
	v4 := []netip.Addr{netip.MustParseAddr("192.0.2.1")}
	v6 := []netip.Addr{netip.MustParseAddr("2001:db8::1")}
	fail := func(k ErrorKind, ttl time.Duration) result {
		return result{err: &LookupError{Name: "h.lab", Type: typeHost, Kind: k}, ttl: ttl}
	}
	tests := []struct {
		name     string
		a, aaaa  result
		wantAddr []netip.Addr
		wantKind ErrorKind
		wantTTL  time.Duration
	}{
		{"both", result{addrs: v4, ttl: 300 * time.Second}, result{addrs: v6, ttl: 30 * time.Second}, append(v4, v6...), 0, 30 * time.Second},
		{"a only", result{addrs: v4, ttl: 300 * time.Second}, fail(KindNoRecords, 60*time.Second), v4, 0, 60 * time.Second},
		{"aaaa only", fail(KindNoRecords, 60*time.Second), result{addrs: v6, ttl: 300 * time.Second}, v6, 0, 60 * time.Second},
		{"aaaa timed out: addresses, not cached", result{addrs: v4, ttl: 300 * time.Second}, fail(KindTimeout, 0), v4, 0, 0},
		{"both nodata", fail(KindNoRecords, 60*time.Second), fail(KindNoRecords, 60*time.Second), nil, KindNoRecords, 60 * time.Second},
		{"servfail wins over nodata", fail(KindNoRecords, 60*time.Second), fail(KindServFail, servFailTTL), nil, KindServFail, servFailTTL},
		{"timeout wins and is not cached", fail(KindNoRecords, 60*time.Second), fail(KindTimeout, 0), nil, KindTimeout, 0},
		{"nodata beats nxdomain: the name exists", fail(KindNXDomain, 60*time.Second), fail(KindNoRecords, 60*time.Second), nil, KindNoRecords, 60 * time.Second},
		{"both nxdomain", fail(KindNXDomain, 60*time.Second), fail(KindNXDomain, 60*time.Second), nil, KindNXDomain, 60 * time.Second},
		{"records without addresses", result{ttl: time.Minute}, result{ttl: time.Minute}, nil, KindNoRecords, time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := combineHost("h.lab", tc.a, tc.aaaa)
			if !slices.Equal(got.addrs, tc.wantAddr) {
				t.Errorf("addresses %v, want %v", got.addrs, tc.wantAddr)
			}
			if got.ttl != tc.wantTTL {
				t.Errorf("ttl %v, want %v", got.ttl, tc.wantTTL)
			}
			switch {
			case tc.wantKind == 0 && got.err != nil:
				t.Errorf("error %v", got.err)
			case tc.wantKind != 0 && (got.err == nil || got.err.Kind != tc.wantKind || got.err.Type != typeHost):
				t.Errorf("error %v, want kind %v", got.err, tc.wantKind)
			}
		})
	}
}

func TestNewRemoteResolverDefaultPort(t *testing.T) {
	for in, want := range map[string]string{"127.0.0.1": "127.0.0.1:53", "::1": "[::1]:53", "127.0.0.1:5300": "127.0.0.1:5300"} {
		if got := NewRemoteResolver(in, ResolverOptions{}).(*resolver).backend.(msgBackend).server; got != want {
			t.Errorf("%q asks %q, want %q", in, got, want)
		}
	}
}
