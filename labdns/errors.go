package labdns

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/miekg/dns"
)

// Sentinels for errors.Is. A *LookupError matches the one of its Kind, so the
// Edge can pick its diagnostic without a type switch.
var (
	ErrNXDomain  = errors.New("labdns: no such domain")
	ErrNoRecords = errors.New("labdns: no records")
	ErrServFail  = errors.New("labdns: server failure")
	ErrTimeout   = errors.New("labdns: lookup timed out")
	ErrNetwork   = errors.New("labdns: network error")

	// ErrServiceNotAvailable is wrapped by the KindNoRecords error of an SRV
	// lookup whose only target is ".": RFC 2782 says the service is decidedly
	// not available, which the Edge may want to report differently from a
	// missing record.
	ErrServiceNotAvailable = errors.New(`srv target ".": service decidedly not available at this domain`)
)

// ErrorKind classifies a failed lookup the way the Edge's diagnostics need.
type ErrorKind int

// The zero ErrorKind is deliberately invalid so an unset Kind is visible.
const (
	// KindNXDomain: the name does not exist (RCODE 3).
	KindNXDomain ErrorKind = iota + 1
	// KindNoRecords: the name exists but has no record of the type (NODATA),
	// or an SRV lookup found only the "." target.
	KindNoRecords
	// KindServFail: the server answered with SERVFAIL, REFUSED or another
	// error rcode (an RcodeError in LookupError.Err says which), or the
	// answer could not be used.
	KindServFail
	// KindTimeout: no answer within the lookup's timeout.
	KindTimeout
	// KindNetwork: the query could not be sent or the answer not received
	// for another reason (connection refused, cancelled context …).
	KindNetwork
)

// String is the kind as the error text shows it.
func (k ErrorKind) String() string {
	switch k {
	case KindNXDomain:
		return "no such domain (NXDOMAIN)"
	case KindNoRecords:
		return "no records (NODATA)"
	case KindServFail:
		return "server failure"
	case KindTimeout:
		return "timeout"
	case KindNetwork:
		return "network error"
	}
	return "ErrorKind(" + strconv.Itoa(int(k)) + ")"
}

func (k ErrorKind) sentinel() error {
	switch k {
	case KindNXDomain:
		return ErrNXDomain
	case KindNoRecords:
		return ErrNoRecords
	case KindServFail:
		return ErrServFail
	case KindTimeout:
		return ErrTimeout
	case KindNetwork:
		return ErrNetwork
	}
	return nil
}

// transient kinds say nothing about the zone, only about this attempt, so
// they are never cached.
func (k ErrorKind) transient() bool { return k == KindTimeout || k == KindNetwork }

// LookupError is the only error type the resolvers return.
type LookupError struct {
	Name string // the name looked up, lower-case, without the trailing dot
	Type string // "SRV" or "A/AAAA"
	Kind ErrorKind
	Err  error // detail; nil when the Kind says it all
}

// Error reads like Go's resolver errors: "lookup NAME TYPE: kind[: detail]".
func (e *LookupError) Error() string {
	s := "lookup " + e.Name + " " + e.Type + ": " + e.Kind.String()
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap exposes the detail, e.g. context.DeadlineExceeded or RcodeError.
func (e *LookupError) Unwrap() error { return e.Err }

// Is matches the sentinel of the error's Kind.
func (e *LookupError) Is(target error) bool {
	s := e.Kind.sentinel()
	return s != nil && target == s
}

// RcodeError carries the rcode of a KindServFail answer, so REFUSED (a
// server that is not authoritative for the name) can be told from SERVFAIL:
// errors.Is(err, RcodeError{Rcode: dns.RcodeRefused}).
type RcodeError struct {
	Rcode int
}

// Error names the rcode, e.g. "server answered REFUSED".
func (e RcodeError) Error() string {
	name, ok := dns.RcodeToString[e.Rcode]
	if !ok {
		name = "RCODE" + strconv.Itoa(e.Rcode)
	}
	return "server answered " + name
}

// ZoneError reports a zone that cannot be served. Line and Text point at the
// offending line of the zone text or file (1-based); Line is 0 when the
// problem is not tied to one line.
type ZoneError struct {
	Zone string // the domain as given in the zones map
	File string // the file the zone was read from; "" for inline text
	Line int
	Text string // the offending line, trimmed
	Err  error
}

// Error puts the place first, as compilers do: zone, file, line, text, reason.
func (e *ZoneError) Error() string {
	s := fmt.Sprintf("zone %q: ", e.Zone)
	if e.File != "" {
		s += fmt.Sprintf("file %q: ", e.File)
	}
	if e.Line > 0 {
		s += fmt.Sprintf("line %d: %q: ", e.Line, e.Text)
	}
	return s + e.Err.Error()
}

// Unwrap exposes the reason, e.g. miekg's *dns.ParseError for syntax errors.
func (e *ZoneError) Unwrap() error { return e.Err }
