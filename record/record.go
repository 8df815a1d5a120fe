// Package record is the attempt record: every federation attempt (an inbound request or dialog, an
// outbound call or check) as one value, kept in a bounded ring and optionally appended to a JSON-lines
// file. It is the one source the console, the regression report and the captures read; it knows no
// viewer and never feeds the policy.
package record

import (
	"time"

	"github.com/edgesim/edgesim/edge/policy"
)

// Directions and kinds of attempts.
const (
	Inbound  = "inbound"
	Outbound = "outbound"

	KindRequest   = "request"   // an inbound request answered without a dialog
	KindDialog    = "dialog"    // an inbound INVITE that was answered, to its BYE
	KindHandshake = "handshake" // an inbound connection refused in the TLS handshake
	KindCall      = "call"      // edgesim call / an outbound call
	KindCheck     = "check"     // edgesim check
)

// Outcomes of attempts, also the metrics' outcome label.
const (
	OutcomeAllowed    = "allowed"     // the Edge passed the request on and it was answered below 300
	OutcomeAnswered   = "answered"    // a call that was answered
	OutcomeRefused    = "refused"     // the Edge's own refusal, with an Edge-log record
	OutcomeFailed     = "failed"      // the far end refused, or nothing answered
	OutcomeTLSRefused = "tls-refused" // the TLS handshake failed
	OutcomePassed     = "passed"      // a check whose every rule passed
)

// Attempt is one federation attempt, whole.
type Attempt struct {
	ID         string        `json:"id"`
	Direction  string        `json:"direction"`
	Kind       string        `json:"kind"`
	Start      time.Time     `json:"start"`
	End        time.Time     `json:"end"`
	Peer       string        `json:"peer,omitempty"`      // ip:port of the far end
	PeerName   string        `json:"peer_name,omitempty"` // the name the peer certificate presents
	FromDomain string        `json:"from_domain,omitempty"`
	ToDomain   string        `json:"to_domain,omitempty"`
	Method     string        `json:"method,omitempty"`
	CallID     string        `json:"call_id,omitempty"`
	Outcome    string        `json:"outcome"`
	Status     int           `json:"status,omitempty"`
	Diagnostic int           `json:"ms_diagnostics,omitempty"` // the code of the ms-diagnostics, 0 when none
	ResultCode string        `json:"result_code,omitempty"`    // of the Edge-log record
	Messages   []Message     `json:"messages"`
	Dropped    int           `json:"messages_dropped,omitempty"` // past MaxMessages
	DNS        []DNSLookup   `json:"dns,omitempty"`
	TLS        []TLS         `json:"tls,omitempty"` // one per connection the attempt used
	Trace      []policy.Rule `json:"trace,omitempty"`
	EdgeLog    string        `json:"edge_log,omitempty"` // the Edge-log record as written
	Error      string        `json:"error,omitempty"`
}

// MaxMessages bounds the SIP messages one attempt keeps.
const MaxMessages = 64

// Message is one SIP message as it crossed a connection.
type Message struct {
	Time      time.Time `json:"time"`
	Out       bool      `json:"out"`  // sent by the Edge
	Conn      string    `json:"conn"` // local ip:port → remote ip:port, the Edge's side first
	StartLine string    `json:"start_line"`
	Raw       string    `json:"raw"`
}

// DNSLookup is one lookup made for an attempt.
type DNSLookup struct {
	Question string   `json:"question"`
	Type     string   `json:"type"` // SRV or A/AAAA
	Answer   []string `json:"answer,omitempty"`
	Rcode    string   `json:"rcode"`
	CacheHit bool     `json:"cache_hit"`
	Error    string   `json:"error,omitempty"`
}

// TLS is one handshake, as it completed or failed.
type TLS struct {
	Conn    string        `json:"conn"`
	Version string        `json:"version,omitempty"`
	Cipher  string        `json:"cipher,omitempty"`
	SNI     string        `json:"sni,omitempty"`
	Chain   []Cert        `json:"chain,omitempty"` // the peer's, leaf first
	Alert   string        `json:"alert,omitempty"` // the TLS alert, either side's
	Error   string        `json:"error,omitempty"`
	Took    time.Duration `json:"took_ns"`
}

// Cert is one certificate of a presented chain.
type Cert struct {
	Subject  string    `json:"subject"`
	Issuer   string    `json:"issuer"`
	SANs     []string  `json:"san_dns,omitempty"`
	NotAfter time.Time `json:"not_after"`
	// EKUs are its extended key usages as people write them ("serverAuth, clientAuth").
	EKUs      string `json:"ekus,omitempty"`
	Signature string `json:"signature_algorithm,omitempty"`
}

// AddMessage appends m, counting it as dropped past MaxMessages.
func (a *Attempt) AddMessage(m Message) {
	if len(a.Messages) >= MaxMessages {
		a.Dropped++
		return
	}
	a.Messages = append(a.Messages, m)
}
