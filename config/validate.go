package config

import (
	"github.com/edgesim/edgesim/edge/lync"
	"github.com/edgesim/edgesim/edge/schannel"

	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// FieldError names the configuration key that holds a bad value.
type FieldError struct {
	Key string
	Msg string
}

func (e *FieldError) Error() string { return e.Key + ": " + e.Msg }

// Validate checks every value a person can get wrong and names the key of each fault.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &FieldError{Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	if c.Lab.Dir == "" {
		bad("lab.dir", "must not be empty")
	}
	e := c.Edge
	if e.FQDN == "" || strings.ContainsAny(e.FQDN, " /:") {
		bad("edge.fqdn", "%q is not a host name", e.FQDN)
	}
	if len(e.Domains) == 0 {
		bad("edge.domains", "the Edge must serve at least one SIP domain")
	}
	if _, _, err := net.SplitHostPort(e.Listen); err != nil {
		bad("edge.listen", "%q is not HOST:PORT", e.Listen)
	}
	if e.HandshakeTimeout <= 0 {
		bad("edge.handshake_timeout", "must be positive, got %s", e.HandshakeTimeout)
	}
	if e.IdleTimeout <= 0 {
		bad("edge.idle_timeout", "must be positive, got %s", e.IdleTimeout)
	}
	if e.MessageTimeout <= 0 {
		bad("edge.message_timeout", "must be positive, got %s", e.MessageTimeout)
	}
	if e.MaxMessageBytes < 1024 {
		bad("edge.max_message_bytes", "must be at least 1024, got %d", e.MaxMessageBytes)
	}
	if e.MaxConnections < 1 {
		bad("edge.max_connections", "must be at least 1, got %d", e.MaxConnections)
	}
	if e.MaxConnsPerIP < 1 || e.MaxConnsPerIP > e.MaxConnections && e.MaxConnections >= 1 {
		bad("edge.max_connections_per_ip", "must be between 1 and edge.max_connections (%d), got %d", e.MaxConnections, e.MaxConnsPerIP)
	}
	if e.MaxTransactions < 1 {
		bad("edge.max_transactions", "must be at least 1, got %d", e.MaxTransactions)
	}
	if (e.CertFile == "") != (e.KeyFile == "") {
		bad("edge.cert_file", "cert_file and key_file go together")
	}
	switch e.Trust.Profile {
	case ProfileOnPrem, ProfileOffice365:
	default:
		bad("edge.trust.profile", "%q is not one of %s, %s", e.Trust.Profile, ProfileOnPrem, ProfileOffice365)
	}
	if _, _, err := e.TLS.Versions(); err != nil {
		for _, fe := range fieldErrors(err) {
			bad("edge.tls."+fe.Key, "%s", fe.Msg)
		}
	}
	switch e.Diagnostics {
	case DiagnosticsAnnotated, DiagnosticsFaithful:
	default:
		bad("edge.diagnostics", "%q is not one of %s, %s", e.Diagnostics, DiagnosticsAnnotated, DiagnosticsFaithful)
	}
	if e.ServerHeader == "" {
		bad("edge.server_header", "must not be empty")
	}
	if _, err := lync.ParseProfile(e.ClientProfile); err != nil || e.ClientProfile == "" {
		bad("edge.client_profile", "%q is not one of lync2013, sfb2015, plain", e.ClientProfile)
	}
	for i, a := range e.Federation.Allowed {
		if a.Domain == "" {
			bad(fmt.Sprintf("edge.federation.allowed[%d].domain", i), "must not be empty")
		}
	}
	if e.EdgeLog.Machine == "" {
		bad("edge.edge_log.machine", "must not be empty")
	}
	if e.AnswerDelay < 0 {
		bad("edge.answer_delay", "must not be negative, got %s", e.AnswerDelay)
	}
	if e.HangupAfter < 0 {
		bad("edge.hangup_after", "must not be negative, got %s", e.HangupAfter)
	}
	if e.DialogIdle <= 0 {
		bad("edge.dialog_idle_timeout", "must be positive, got %s", e.DialogIdle)
	}
	if e.DialogConnGrace <= 0 {
		bad("edge.dialog_conn_grace", "must be positive, got %s", e.DialogConnGrace)
	}
	if _, _, err := RTPPortRange(e.RTPPorts); err != nil {
		bad("edge.rtp_ports", "%v", err)
	}
	if c.DNS.Listen != "" {
		if _, _, err := net.SplitHostPort(c.DNS.Listen); err != nil {
			bad("dns.listen", "%q is not HOST:PORT (or \"\" to disable)", c.DNS.Listen)
		}
	}
	switch r := c.DNS.Resolver; {
	case r == "embedded" || r == "system":
	default:
		if _, _, err := net.SplitHostPort(r); err != nil {
			bad("dns.resolver", "%q is not embedded, system or HOST:PORT", r)
		}
	}
	if c.DNS.Timeout <= 0 {
		bad("dns.timeout", "must be positive, got %s", c.DNS.Timeout)
	}
	c.Console.validate(bad)
	c.validateRecording(bad)
	return errors.Join(errs...)
}

// Versions parses the bounds into crypto/tls constants, for every TLS config built from them: the
// profile's, with min_version and max_version overriding when set. Its faults are *FieldErrors keyed
// profile, min_version or max_version; on any fault both results are 0, which no caller can mistake
// for a version.
func (t TLSVersions) Versions() (lo, hi uint16, err error) {
	var errs []error
	prof, errP := schannel.Lookup(t.Profile)
	if errP != nil {
		errs = append(errs, &FieldError{Key: "profile", Msg: errP.Error()})
	}
	lo, hi = prof.Min, prof.Max
	var errLo, errHi error
	if t.MinVersion != "" {
		if lo, errLo = TLSVersion(t.MinVersion); errLo != nil {
			errs = append(errs, &FieldError{Key: "min_version", Msg: errLo.Error()})
		}
	}
	if t.MaxVersion != "" {
		if hi, errHi = TLSVersion(t.MaxVersion); errHi != nil {
			errs = append(errs, &FieldError{Key: "max_version", Msg: errHi.Error()})
		}
	}
	if errP == nil && errLo == nil && errHi == nil && lo > hi {
		errs = append(errs, &FieldError{Key: "min_version", Msg: fmt.Sprintf("%s is above max_version %s", versionName(lo), versionName(hi))})
	}
	if len(errs) > 0 {
		return 0, 0, errors.Join(errs...)
	}
	return lo, hi, nil
}

// Suites are the profile's cipher suites; nil for Go's defaults, or when the profile is unknown
// (which Versions reports).
func (t TLSVersions) Suites() []uint16 {
	p, _ := schannel.Lookup(t.Profile)
	return p.Suites
}

func versionName(v uint16) string { return strings.TrimPrefix(tls.VersionName(v), "TLS ") }

// fieldErrors lists the *FieldErrors in err, which may be one or an errors.Join of several.
func fieldErrors(err error) []*FieldError {
	var out []*FieldError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, fieldErrors(e)...)
		}
		return out
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		out = append(out, fe)
	}
	return out
}

// TLSVersion turns "1.0" … "1.3" into the crypto/tls constant.
func TLSVersion(s string) (uint16, error) {
	switch s {
	case "1.0":
		return tls.VersionTLS10, nil
	case "1.1":
		return tls.VersionTLS11, nil
	case "1.2":
		return tls.VersionTLS12, nil
	case "1.3":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("%q is not a TLS version (1.0, 1.1, 1.2, 1.3)", s)
}

// RTPPortRange parses "LOW-HIGH", the ports offered in SDP answers.
func RTPPortRange(s string) (lo, hi int, err error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not LOW-HIGH", s)
	}
	lo, errA := strconv.Atoi(strings.TrimSpace(a))
	hi, errB := strconv.Atoi(strings.TrimSpace(b))
	if errA != nil || errB != nil || lo < 1024 || hi > 65535 || lo > hi {
		return 0, 0, fmt.Errorf("%q is not a port range within 1024-65535", s)
	}
	return lo, hi, nil
}
