package policy

import (
	"net/netip"
	"time"
)

// RuleName is the stable name of a rule in a trace; docs/edge-behaviour.md §8 lists them.
type RuleName string

// The rules, in the order the Edge applies them.
const (
	RuleFederationDomain RuleName = "federation-domain" // inbound: the domain taken from P-Asserted-Identity or From
	RuleFederationLists  RuleName = "federation-lists"
	RuleSRV              RuleName = "srv"
	RuleInDomain         RuleName = "in-domain"
	RuleAddress          RuleName = "address" // outbound: A/AAAA of an in-domain target
	RuleConnect          RuleName = "connect"
	RuleTLS              RuleName = "tls"
	RuleCertificate      RuleName = "certificate"
	RuleServedUser       RuleName = "served-user" // inbound: the Request-URI is a domain and user the Edge serves
	RuleFarEndAnswer     RuleName = "far-end-answer"
)

// Outcome is how one rule came out.
type Outcome string

// Outcomes of a rule.
const (
	Pass Outcome = "pass"
	Fail Outcome = "fail"
	Skip Outcome = "skip" // not applicable
)

// Rule is one rule the Edge evaluated: what it looked at, how it came out, and the catalogue row it
// produced when it refused.
type Rule struct {
	Name    RuleName `json:"rule"`
	Section string   `json:"section"`
	Outcome Outcome  `json:"outcome"`
	Detail  string   `json:"detail,omitempty"`
	Inputs  Inputs   `json:"inputs"`
	Row     RowID    `json:"row,omitempty"`
	// Checks are the parts of the certificate rule, each judged on its own so that a certificate
	// both expired and misnamed shows both; the Edge reports the first that fails in Schannel's order.
	Checks []Check `json:"checks,omitempty"`
}

// Check is one part of the certificate rule.
type Check struct {
	Name    string  `json:"check"` // name | trust | validity | usage
	Outcome Outcome `json:"outcome"`
	Detail  string  `json:"detail"`
}

// Inputs are the facts a rule read; each rule fills the fields it uses.
type Inputs struct {
	Domain       string      `json:"domain,omitempty"`
	DomainSource string      `json:"domain_source,omitempty"` // P-Asserted-Identity | From
	ProxyFQDN    string      `json:"proxy_fqdn,omitempty"`
	SRVName      string      `json:"srv_name,omitempty"`
	SRV          []SRVTarget `json:"srv,omitempty"`
	Error        string      `json:"error,omitempty"`
	Target       string      `json:"target,omitempty"` // host:port
	Addresses    []string    `json:"addresses,omitempty"`
	Address      string      `json:"address,omitempty"`
	ExpectedFQDN []string    `json:"expected_fqdn,omitempty"` // the names the certificate may carry, preferred first
	Usage        string      `json:"usage,omitempty"`         // clientAuth inbound, serverAuth outbound
	TrustAnchors []string    `json:"trust_anchors,omitempty"`
	Certificate  *CertFacts  `json:"certificate,omitempty"`
	CheckedAt    *time.Time  `json:"checked_at,omitempty"`
	RequestURI   string      `json:"request_uri,omitempty"`
	Response     string      `json:"response,omitempty"`
}

// CertFacts is what the Edge read from the presented leaf and its chain.
type CertFacts struct {
	SubjectCN string    `json:"subject_cn"`
	SANDNS    []string  `json:"san_dns"`
	IssuerCN  string    `json:"issuer_cn"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	EKUs      []string  `json:"ekus"`
	Signature string    `json:"signature_algorithm"`
	Chain     []string  `json:"chain"`            // subject CN of each certificate sent, leaf first
	Anchor    string    `json:"anchor,omitempty"` // the trusted root the chain reached
}

// FactKind is the fact a pending verdict waits for.
type FactKind string

// Facts the outbound direction gathers, one step at a time.
const (
	NeedSRV    FactKind = "srv"    // the domain's _sipfederationtls._tcp records
	NeedHost   FactKind = "host"   // A/AAAA of Target
	NeedDial   FactKind = "dial"   // TCP and TLS to Addr for Target
	NeedAnswer FactKind = "answer" // the far end's final answer to the INVITE
)

// Need is the next fact a decision waits for.
type Need struct {
	Fact   FactKind       `json:"fact"`
	Domain string         `json:"domain,omitempty"`
	Target SRVTarget      `json:"target"`
	Addr   netip.AddrPort `json:"addr"`
}

// trace collects rules in order.
type trace []Rule

func (t *trace) add(r Rule) { *t = append(*t, r) }

// refused is v with the trace so far and the rule that refused, named by the verdict's row.
func (t trace) refused(v Verdict, r Rule) Verdict {
	r.Outcome, r.Row = Fail, v.Row
	v.Trace = append(t, r)
	return v
}

func (t trace) pending(n Need) Verdict {
	return Verdict{Trace: t, Pending: &n}
}
