// Package regress plays a federation matrix through a real Expressway-E (or any SIP proxy in its
// seat), both directions, with edgesim at both outer ends: a UC-side caller and answerer on one
// side, the Edge on the other. A plan file names the Expressway's entry point, the UC identities,
// and the cases; Run plays them and reports what each end saw, as a table, JUnit, JSON, and a diff
// against a previous run's JSON.
package regress

import (
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"go.yaml.in/yaml/v3"

	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/record"
	"github.com/edgesim/edgesim/scenarios"
)

// Directions of a case, in the Edge's terms.
const (
	Inbound  = "inbound"  // UC → Skype: the UC-side caller calls through the Expressway into the Edge
	Outbound = "outbound" // Skype → UC: the Edge calls through the Expressway to the UC-side answerer
)

// Plan is one parsed, validated plan file.
type Plan struct {
	Expressway Expressway    `yaml:"expressway" json:"expressway"`
	UC         UC            `yaml:"uc" json:"uc"`
	Skype      Skype         `yaml:"skype" json:"skype"`
	Timeout    time.Duration `yaml:"timeout" json:"timeout,omitempty"` // per case; 0: 5s
	Cases      []Case        `yaml:"cases" json:"cases"`
	File       string        `yaml:"-" json:"file"`
}

// Expressway is where the proxy under test is reached.
type Expressway struct {
	// Entry is the address the UC-side caller sends to: its UC-facing SIP listener.
	Entry string `yaml:"entry" json:"entry"`
	// Transport of the entry point: udp, tcp or tls.
	Transport string `yaml:"transport" json:"transport"`
	// Federation is its TLS listener towards the Edge (host:port). The lab's zones should point the
	// UC domains there; scenarios whose zones put the Expressway side on a loopback address (the
	// library's convention) are dialled here instead. "": dial what DNS says.
	Federation string `yaml:"federation" json:"federation,omitempty"`
}

// UC is edgesim's UC side: who calls, and where the answerer listens.
type UC struct {
	// Identities are UC-side URIs; the first is the default caller (inbound) and callee (outbound).
	Identities []string `yaml:"identities" json:"identities"`
	Answerer   Answerer `yaml:"answerer" json:"answerer"`
}

// Answerer is the plain SIP UAS the Expressway has as a neighbour for the UC domains.
type Answerer struct {
	Listen    string `yaml:"listen" json:"listen"`
	Transport string `yaml:"transport" json:"transport"` // udp or tcp; "": tcp
}

// Skype is the Edge's side of the identities.
type Skype struct {
	Domain string `yaml:"domain" json:"domain"` // "": skype.lab
}

// Case is one row of the matrix.
type Case struct {
	Name      string            `yaml:"name" json:"name"`
	Direction string            `yaml:"direction" json:"direction"`
	Method    string            `yaml:"method" json:"method"` // "": INVITE
	From      string            `yaml:"from" json:"from,omitempty"`
	To        string            `yaml:"to" json:"to,omitempty"`
	Scenario  string            `yaml:"scenario" json:"scenario,omitempty"`
	Zones     map[string]string `yaml:"zones" json:"zones,omitempty"`
	Edge      config.Edge       `yaml:"edge" json:"-"`
	// UCAnswer is the answerer's final status for this case (outbound); 0: 200.
	UCAnswer int    `yaml:"uc_answer" json:"uc_answer,omitempty"`
	Expect   Expect `yaml:"expect" json:"expect"`

	edge     *yaml.Node          // the edge overrides as written, applied over the run's base
	scenario *scenarios.Scenario // the library scenario named, when any
	line     int                 // the case's line, for messages
}

// Expect is what each end must see. A nil pointer is "not checked".
type Expect struct {
	// Status is the final status at the far end from the Edge's rules: the UC caller's (inbound), the
	// Skype client's (outbound). 0: no SIP answer at all.
	Status *int `yaml:"status" json:"status,omitempty"`
	// Diagnostic is that answer's ms-diagnostics code; 0: none.
	Diagnostic *int `yaml:"diagnostic" json:"diagnostic,omitempty"`
	// Verdict is the Edge's attempt outcome: allowed, answered, refused, failed, tls-refused.
	Verdict string `yaml:"verdict" json:"verdict,omitempty"`
	// ResultCode is the Edge-log Result-Code; "" (given) means no record.
	ResultCode *string `yaml:"result_code" json:"result_code,omitempty"`
	// EdgeSaw (inbound): whether the request reached the Edge at all.
	EdgeSaw *bool `yaml:"edge_saw" json:"edge_saw,omitempty"`
	// ReachesUC (outbound): whether the request reached the UC-side answerer.
	ReachesUC *bool `yaml:"reaches_uc" json:"reaches_uc,omitempty"`
}

var (
	caseNameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	resultCodeRE = regexp.MustCompile(`^0x[0-9a-f]{8}$`)
	verdicts     = []string{record.OutcomeAllowed, record.OutcomeAnswered, record.OutcomeRefused, record.OutcomeFailed, record.OutcomeTLSRefused}
	methods      = map[string][]string{Inbound: {"INVITE", "MESSAGE", "SUBSCRIBE", "OPTIONS"}, Outbound: {"INVITE", "MESSAGE", "SUBSCRIBE"}}
)

// DefaultTimeout bounds a case whose plan gives no timeout.
const DefaultTimeout = 5 * time.Second

// Parse reads a plan. library resolves scenario: NAME (nil: the embedded library). Every problem
// comes back as file:line: key K: what is wrong, all of them at once.
func Parse(file string, data []byte, library []*scenarios.Scenario) (*Plan, error) {
	p := &Plan{}
	if err := config.DecodeStrictYAML(file, data, p); err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	p.File = file
	v := &checker{file: file, root: &root}
	if library == nil {
		var err error
		if library, err = scenarios.Library(); err != nil {
			return nil, fmt.Errorf("scenario library: %w", err)
		}
	}
	p.check(v, library)
	if err := errors.Join(v.errs...); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Plan) check(v *checker, library []*scenarios.Scenario) {
	e := &p.Expressway
	if _, _, err := net.SplitHostPort(e.Entry); err != nil {
		v.bad("expressway.entry", "want HOST:PORT, the Expressway's UC-facing SIP listener")
	}
	e.Transport = strings.ToLower(e.Transport)
	if !slices.Contains([]string{"udp", "tcp", "tls"}, e.Transport) {
		v.bad("expressway.transport", "want udp, tcp or tls, got %q", e.Transport)
	}
	if _, _, err := net.SplitHostPort(e.Federation); e.Federation != "" && err != nil {
		v.bad("expressway.federation", "want HOST:PORT of its TLS federation listener")
	}
	if len(p.UC.Identities) == 0 {
		v.bad("uc.identities", "name at least one UC-side URI, e.g. sip:2000@acano.steven.lab")
	}
	for i, id := range p.UC.Identities {
		if _, err := parseURI(id); err != nil {
			v.bad(fmt.Sprintf("uc.identities[%d]", i), "%v", err)
		}
	}
	a := &p.UC.Answerer
	a.Transport = strings.ToLower(a.Transport)
	if a.Transport == "" {
		a.Transport = "tcp"
	}
	if !slices.Contains([]string{"udp", "tcp"}, a.Transport) {
		v.bad("uc.answerer.transport", "want udp or tcp, got %q", a.Transport)
	}
	if p.Skype.Domain == "" {
		p.Skype.Domain = "skype.lab"
	}
	if p.Timeout < 0 || p.Timeout > time.Minute {
		v.bad("timeout", "want 0 (5s) up to 1m, got %s", p.Timeout)
	}
	if len(p.Cases) == 0 {
		v.bad("cases", "a plan needs at least one case")
	}
	seen := map[string]bool{}
	for i := range p.Cases {
		c := &p.Cases[i]
		key := fmt.Sprintf("cases[%d]", i)
		if seen[c.Name] {
			v.bad(key+".name", "case %q is named twice", c.Name)
		}
		seen[c.Name] = true
		c.check(v, key, p, library)
	}
	if needsAnswerer(p) {
		if _, _, err := net.SplitHostPort(a.Listen); err != nil {
			v.bad("uc.answerer.listen", "outbound cases need the answerer's HOST:PORT")
		}
	}
}

func needsAnswerer(p *Plan) bool {
	for _, c := range p.Cases {
		if c.Direction == Outbound {
			return true
		}
	}
	return false
}

func (c *Case) check(v *checker, key string, p *Plan, library []*scenarios.Scenario) {
	c.line = v.line(key)
	if !caseNameRE.MatchString(c.Name) {
		v.bad(key+".name", "want lower-case letters, digits and dashes, got %q", c.Name)
	}
	if c.Direction != Inbound && c.Direction != Outbound {
		v.bad(key+".direction", "want inbound (UC → Skype) or outbound (Skype → UC), got %q", c.Direction)
	}
	c.Method = strings.ToUpper(c.Method)
	if c.Method == "" {
		c.Method = "INVITE"
	}
	if ms := methods[c.Direction]; ms != nil && !slices.Contains(ms, c.Method) {
		v.bad(key+".method", "%s cases send one of %s, got %q", c.Direction, strings.Join(ms, ", "), c.Method)
	}
	for _, k := range []string{"from", "to"} {
		s := c.From
		if k == "to" {
			s = c.To
		}
		if _, err := parseURI(s); s != "" && err != nil {
			v.bad(key+"."+k, "%v", err)
		}
	}
	if c.Scenario != "" {
		s, err := scenarios.Find(library, c.Scenario)
		switch {
		case err != nil:
			v.bad(key+".scenario", "%v", err)
		case string(s.Direction) != c.Direction:
			v.bad(key+".scenario", "%s is an %s scenario, the case is %s", s.Name, s.Direction, c.Direction)
		case s.EdgeCert != nil:
			v.bad(key+".scenario", "%s changes the Edge's own certificate, which a regression run does not do", s.Name)
		default:
			c.scenario = s
		}
	}
	if n := v.node(key + ".edge"); n != nil && n.Kind == yaml.MappingNode {
		c.edge = n
		for _, k := range []string{"listen", "cert_file", "key_file", "edge_log.file"} {
			if kn := v.keyNode(key + ".edge." + k); kn != nil {
				v.add(kn.Line, key+".edge."+k, "is the run's own configuration, not a case's")
			}
		}
	}
	if c.UCAnswer != 0 && (c.UCAnswer < 200 || c.UCAnswer > 699 || c.Direction != Outbound) {
		v.bad(key+".uc_answer", "an outbound case's final status from the answerer, 200-699")
	}
	c.Expect.check(v, key+".expect", c)
}

func (e *Expect) check(v *checker, key string, c *Case) {
	if e.Status == nil && c.scenario != nil {
		// The scenario's expectation, as far as it carries over to a real Expressway.
		se := c.scenario.Expect
		e.Status, e.Diagnostic = &se.Status, &se.Diagnostic
		rc := se.ResultCode
		e.ResultCode = &rc
	}
	if e.Status == nil {
		v.bad(key+".status", "every case expects a final status (0: no SIP answer at all)")
	} else if s := *e.Status; s != 0 && (s < 100 || s > 699) {
		v.bad(key+".status", "want 0 or 100-699, got %d", s)
	}
	if e.Verdict != "" && !slices.Contains(verdicts, e.Verdict) {
		v.bad(key+".verdict", "want one of %s, got %q", strings.Join(verdicts, ", "), e.Verdict)
	}
	if e.ResultCode != nil && *e.ResultCode != "" && !resultCodeRE.MatchString(*e.ResultCode) {
		v.bad(key+".result_code", `want "0x" and 8 lower-case hex digits, or "" for no record, got %q`, *e.ResultCode)
	}
	if e.EdgeSaw != nil && c.Direction != Inbound {
		v.bad(key+".edge_saw", "only inbound cases can miss the Edge; outbound the Edge starts them")
	}
	if e.ReachesUC != nil && c.Direction != Outbound {
		v.bad(key+".reaches_uc", "only outbound cases reach the UC-side answerer")
	}
}

func parseURI(s string) (sip.Uri, error) {
	var u sip.Uri
	if err := sip.ParseUri(s, &u); err != nil || u.Host == "" || u.User == "" {
		return u, fmt.Errorf("want a SIP URI with a user and a host, e.g. sip:2000@acano.steven.lab, got %q", s)
	}
	return u, nil
}

// timeout is the bound of one case.
func (p *Plan) timeout() time.Duration {
	if p.Timeout > 0 {
		return p.Timeout
	}
	return DefaultTimeout
}

// ParseFile reads and parses a plan file against the embedded scenario library.
func ParseFile(file string) (*Plan, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	return Parse(file, data, nil)
}
