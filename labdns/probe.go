package labdns

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// ProbeError is a failed ProbeSOA: the exchange failed (Err), or the answer was not an
// authoritative SOA for the domain, which means another DNS server holds the port.
type ProbeError struct {
	Domain        string
	Network       string // "udp" or "tcp"
	Err           error  // the exchange's error; nil when an answer came
	Rcode         string // the answer's RCODE as dig prints it, e.g. REFUSED
	Authoritative bool
	Answers       int // records in the answer section
}

func (e *ProbeError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("SOA %s over %s: %v", e.Domain, strings.ToUpper(e.Network), e.Err)
	}
	return fmt.Sprintf("SOA %s over %s: answer %s, authoritative %t, %d answer records: not the lab DNS serving %s",
		e.Domain, strings.ToUpper(e.Network), e.Rcode, e.Authoritative, e.Answers, e.Domain)
}

func (e *ProbeError) Unwrap() error { return e.Err }

// ProbeSOA asks the DNS server at addr for domain's SOA over UDP and then TCP, as a lab DNS must
// answer both, and returns the serial of the last answer. timeout bounds both queries together.
// Every failure is a *ProbeError.
func ProbeSOA(ctx context.Context, addr, domain string, timeout time.Duration) (uint32, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var serial uint32
	for _, network := range []string{"udp", "tcp"} {
		q := new(dns.Msg).SetQuestion(dns.Fqdn(domain), dns.TypeSOA)
		q.RecursionDesired = false
		c := &dns.Client{Net: network}
		resp, _, err := c.ExchangeContext(ctx, q, addr)
		if err != nil {
			return 0, &ProbeError{Domain: domain, Network: network, Err: err}
		}
		var soa *dns.SOA
		for _, rr := range resp.Answer {
			if s, ok := rr.(*dns.SOA); ok && strings.EqualFold(s.Hdr.Name, dns.Fqdn(domain)) {
				soa = s
			}
		}
		if resp.Rcode != dns.RcodeSuccess || !resp.Authoritative || soa == nil {
			return 0, &ProbeError{Domain: domain, Network: network, Rcode: dns.RcodeToString[resp.Rcode],
				Authoritative: resp.Authoritative, Answers: len(resp.Answer)}
		}
		serial = soa.Serial
	}
	return serial, nil
}
