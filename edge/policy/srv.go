package policy

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/edgesim/edgesim/certs"
)

// SRVTarget is one answer of _sipfederationtls._tcp.<domain>.
type SRVTarget struct {
	Target   string `json:"target"`
	Port     uint16 `json:"port"`
	Priority uint16 `json:"priority"`
	Weight   uint16 `json:"weight"`
}

// HostPort is the fqdnN attribute form: vcse.steven.lab:5061.
func (t SRVTarget) HostPort() string {
	return strings.TrimSuffix(t.Target, ".") + ":" + strconv.Itoa(int(t.Port))
}

// SRVResult is what the resolver said about a domain; Error set means no usable records.
type SRVResult struct {
	Targets []SRVTarget `json:"targets,omitempty"`
	Error   string      `json:"error,omitempty"`
}

// FederationSRVName is the record the Edge looks up for a domain (§1).
func FederationSRVName(domain string) string { return "_sipfederationtls._tcp." + Normalize(domain) }

// InDomain is the seed's DNS rule (§1): the target minus its first label must equal the domain exactly.
// vcse.cms.steven.lab is in cms.steven.lab; vcse.sub.cms.steven.lab and cms.steven.lab itself are not.
func InDomain(target, domain string) bool {
	t, d := Normalize(target), Normalize(domain)
	first, rest, ok := strings.Cut(t, ".")
	return ok && first != "" && d != "" && rest == d
}

// IsIPLiteral reports a host that is an address, which has no SRV record to look up.
func IsIPLiteral(host string) bool {
	h := strings.Trim(host, "[]")
	if h == "" || !strings.ContainsRune(h, ':') && (h[len(h)-1] < '0' || h[len(h)-1] > '9') {
		return false // a name ends in a letter: no parse, no error to allocate, on every request
	}
	_, err := netip.ParseAddr(h)
	return err == nil
}

// Normalize is the Edge's one way to compare names, shared with the certificate rule.
var Normalize = certs.NormalizeFQDN

// inDomainTargets keeps the targets that satisfy the DNS rule, in RFC 2782 order:
// lowest priority first, then heaviest weight (deterministic, so the lab is reproducible).
func inDomainTargets(domain string, all []SRVTarget) []SRVTarget {
	var out []SRVTarget
	for _, t := range all {
		if InDomain(t.Target, domain) {
			out = append(out, t)
		}
	}
	slices.SortStableFunc(out, func(a, b SRVTarget) int {
		if a.Priority != b.Priority {
			return int(a.Priority) - int(b.Priority)
		}
		return int(b.Weight) - int(a.Weight)
	})
	return out
}
