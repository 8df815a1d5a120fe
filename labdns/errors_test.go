package labdns

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/miekg/dns"
)

func TestLookupErrorText(t *testing.T) {
	tests := []struct {
		name string
		err  *LookupError
		want string
	}{
		{"nxdomain", &LookupError{Name: "_sipfederationtls._tcp.x.lab", Type: "SRV", Kind: KindNXDomain},
			"lookup _sipfederationtls._tcp.x.lab SRV: no such domain (NXDOMAIN)"},
		{"nodata", &LookupError{Name: "vcse.x.lab", Type: "A/AAAA", Kind: KindNoRecords},
			"lookup vcse.x.lab A/AAAA: no records (NODATA)"},
		{"refused", &LookupError{Name: "x.lab", Type: "SRV", Kind: KindServFail, Err: RcodeError{Rcode: dns.RcodeRefused}},
			"lookup x.lab SRV: server failure: server answered REFUSED"},
		{"unknown rcode", &LookupError{Name: "x.lab", Type: "SRV", Kind: KindServFail, Err: RcodeError{Rcode: 3841}},
			"lookup x.lab SRV: server failure: server answered RCODE3841"},
		{"timeout", &LookupError{Name: "x.lab", Type: "SRV", Kind: KindTimeout, Err: context.DeadlineExceeded},
			"lookup x.lab SRV: timeout: context deadline exceeded"},
		{"service not available", &LookupError{Name: "x.lab", Type: "SRV", Kind: KindNoRecords, Err: ErrServiceNotAvailable},
			`lookup x.lab SRV: no records (NODATA): srv target ".": service decidedly not available at this domain`},
		{"zero kind shows", &LookupError{Name: "x.lab", Type: "SRV"}, "lookup x.lab SRV: ErrorKind(0)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestLookupErrorMatching(t *testing.T) {
	sentinels := map[ErrorKind]error{
		KindNXDomain: ErrNXDomain, KindNoRecords: ErrNoRecords, KindServFail: ErrServFail,
		KindTimeout: ErrTimeout, KindNetwork: ErrNetwork,
	}
	for kind := range sentinels {
		t.Run(kind.String(), func(t *testing.T) {
			err := fmt.Errorf("edge: %w", &LookupError{Name: "x.lab", Type: "SRV", Kind: kind})
			for other, sentinel := range sentinels {
				if got := errors.Is(err, sentinel); got != (other == kind) {
					t.Errorf("errors.Is(%v, %v) = %v", err, sentinel, got)
				}
			}
		})
	}
	t.Run("zero kind matches no sentinel", func(t *testing.T) {
		err := &LookupError{Name: "x.lab", Type: "SRV"}
		for _, s := range sentinels {
			if errors.Is(err, s) {
				t.Errorf("matches %v", s)
			}
		}
	})
	t.Run("rcode by value", func(t *testing.T) {
		err := &LookupError{Name: "x.lab", Type: "SRV", Kind: KindServFail, Err: RcodeError{Rcode: dns.RcodeRefused}}
		if !errors.Is(err, RcodeError{Rcode: dns.RcodeRefused}) {
			t.Error("REFUSED not matched")
		}
		if errors.Is(err, RcodeError{Rcode: dns.RcodeServerFailure}) {
			t.Error("REFUSED matched SERVFAIL")
		}
	})
	t.Run("detail unwraps", func(t *testing.T) {
		err := &LookupError{Name: "x.lab", Type: "SRV", Kind: KindTimeout, Err: context.DeadlineExceeded}
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			t.Error("detail not reachable, or the wrong one")
		}
	})
}

func TestZoneErrorText(t *testing.T) {
	tests := []struct {
		name string
		err  *ZoneError
		want string
	}{
		{"inline", &ZoneError{Zone: "acano.steven.lab", Line: 2, Text: "vcse 300 IN A notanip", Err: errors.New(`bad A A: "notanip"`)},
			`zone "acano.steven.lab": line 2: "vcse 300 IN A notanip": bad A A: "notanip"`},
		{"file", &ZoneError{Zone: "x.lab", File: "/lab/x.zone", Line: 7, Text: "a A b", Err: errors.New("bad")},
			`zone "x.lab": file "/lab/x.zone": line 7: "a A b": bad`},
		{"no line", &ZoneError{Zone: "x..lab", Err: errors.New("not a valid domain name")},
			`zone "x..lab": not a valid domain name`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			if !errors.Is(tc.err, tc.err.Err) {
				t.Error("Err not unwrapped")
			}
		})
	}
}
