// Package health probes a running Edge from the configuration it was started with: a TLS handshake
// to its SIP listener and an SOA query to its lab DNS. It starts nothing and writes nothing, so it
// can be the healthcheck of a container.
package health

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/labdns"
)

// Check outcomes.
const (
	OK      = "ok"
	Fail    = "fail"
	Skipped = "skipped"
)

// Check is the outcome of one part of the probe.
type Check struct {
	Check   string `json:"check"`   // sip, dns or metrics
	Address string `json:"address"` // the address dialled
	Status  string `json:"status"`  // ok, fail or skipped
	Detail  string `json:"detail"`
}

// Report is the whole probe: healthy when no check failed (a skipped one does not count).
type Report struct {
	Healthy bool    `json:"healthy"`
	Checks  []Check `json:"checks"`
}

// Failed names the checks that failed, in order.
func (r Report) Failed() []string {
	var out []string
	for _, c := range r.Checks {
		if c.Status == Fail {
			out = append(out, c.Check)
		}
	}
	return out
}

// Probe checks the Edge cfg describes, each check bounded by timeout. Its error is a configuration
// that names nothing to dial (a port 0, a lab DNS serving no zone), before anything is probed.
func Probe(ctx context.Context, cfg config.Config, timeout time.Duration) (Report, error) {
	sipAddr, err := DialAddress(cfg.Edge.Listen)
	if err != nil {
		return Report{}, fmt.Errorf("edge.listen: %w", err)
	}
	dnsAddr, domain := "", ""
	if cfg.DNS.Listen != "" {
		if dnsAddr, err = DialAddress(cfg.DNS.Listen); err != nil {
			return Report{}, fmt.Errorf("dns.listen: %w", err)
		}
		if domain, err = SOADomain(cfg); err != nil {
			return Report{}, err
		}
	}
	metricsAddr := ""
	if cfg.Metrics.Listen != "" {
		if metricsAddr, err = DialAddress(cfg.Metrics.Addr()); err != nil {
			return Report{}, fmt.Errorf("metrics.listen: %w", err)
		}
	}
	rep := Report{Checks: []Check{
		CheckSIP(ctx, cfg, sipAddr, timeout),
		CheckDNS(ctx, dnsAddr, domain, timeout),
	}}
	if metricsAddr != "" { // only then: without metrics the output stays the two lines it always was
		rep.Checks = append(rep.Checks, CheckMetrics(ctx, metricsAddr, cfg.Metrics.Token, timeout))
	}
	rep.Healthy = len(rep.Failed()) == 0
	return rep, nil
}

// DialAddress turns a listen address into one to dial: an unspecified host (all interfaces) is
// reached on loopback, which is also the only sure way in from inside a container.
func DialAddress(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("%q is not HOST:PORT", listen)
	}
	if port == "" || port == "0" {
		return "", fmt.Errorf("%q has no fixed port, so there is nothing to check", listen)
	}
	switch ip := net.ParseIP(host); {
	case host == "" || (ip != nil && ip.To4() != nil && ip.IsUnspecified()):
		host = "127.0.0.1"
	case ip != nil && ip.IsUnspecified():
		host = "::1"
	}
	return net.JoinHostPort(host, port), nil
}

// SOADomain picks the zone to ask the lab DNS about: the Edge's first SIP domain the lab serves,
// else the first served zone. It reads the zones as the Edge does, without opening the lab.
func SOADomain(cfg config.Config) (string, error) {
	zs, err := labdns.ParseZones(labdns.ZonesOrDefault(cfg.DNS.Zones))
	if err != nil {
		return "", fmt.Errorf("dns.zones: %w", err)
	}
	served := zs.Domains()
	for _, d := range cfg.Edge.Domains {
		d = certs.NormalizeFQDN(d)
		if slices.Contains(served, d) {
			return d, nil
		}
	}
	if len(served) == 0 {
		return "", errors.New("dns.zones: the lab DNS serves no zone")
	}
	return served[0], nil
}

// CheckDNS asks the lab DNS at addr for domain's SOA over UDP, then TCP; "" addr means disabled.
func CheckDNS(ctx context.Context, addr, domain string, timeout time.Duration) Check {
	if addr == "" {
		return Check{Check: "dns", Address: "-", Status: Skipped, Detail: `dns.listen is "": the lab DNS is disabled`}
	}
	hc := Check{Check: "dns", Address: addr, Status: Fail}
	serial, err := labdns.ProbeSOA(ctx, addr, domain, timeout)
	if err != nil {
		var pe *labdns.ProbeError
		if errors.As(err, &pe) && pe.Err != nil && isRefused(pe.Err) {
			refused := *pe
			refused.Err = errRefused
			err = &refused
		}
		hc.Detail = err.Error()
		return hc
	}
	hc.Status = OK
	hc.Detail = fmt.Sprintf("SOA %s (serial %d) answered authoritatively over UDP and TCP", domain, serial)
	return hc
}

var errRefused = errors.New("nothing is listening (connection refused)")

// isRefused reports nothing listening: ECONNREFUSED (TCP dial, or an ICMP port unreachable read back
// on a connected UDP socket), or Windows' WSAECONNREFUSED by its message.
func isRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "actively refused")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
