package regress

import (
	"fmt"
	"net"
	"strings"
	"text/template"
)

// StarterOptions say where the Expressway and the UC-side answerer are, as `regress init` takes them.
type StarterOptions struct {
	Transport string // udp | tcp | tls
	Entry     string // the Expressway's UC-facing SIP listener, host:port
	Answerer  string // where edgesim's UC-side answerer listens, host:port
}

// ParseEntry reads `--entry udp|tcp|tls:HOST:PORT`.
func ParseEntry(s string) (transport, hostPort string, err error) {
	t, hp, ok := strings.Cut(s, ":")
	switch {
	case !ok || (t != "udp" && t != "tcp" && t != "tls"):
		return "", "", fmt.Errorf("--entry %q: want udp:HOST:PORT, tcp:HOST:PORT or tls:HOST:PORT", s)
	}
	if _, _, err := net.SplitHostPort(hp); err != nil {
		return "", "", fmt.Errorf("--entry %q: %w", s, err)
	}
	return t, hp, nil
}

// StarterPlan is a commented plan for the seed's lab: the correct federation both ways, the seed's
// 1009s and 1010s, no SRV, an untrusted chain, a blocked domain, presence, OPTIONS and IM. Against a
// correctly built Expressway (its certificate names vcse.acano.steven.lab, its DNS zone points at the
// lab DNS) every case passes as written.
func StarterPlan(o StarterOptions) (string, error) {
	host, _, err := net.SplitHostPort(o.Entry)
	if err != nil {
		return "", fmt.Errorf("entry %q: %w", o.Entry, err)
	}
	if _, _, err := net.SplitHostPort(o.Answerer); err != nil {
		return "", fmt.Errorf("answerer %q: %w", o.Answerer, err)
	}
	ansTransport := "tcp"
	if o.Transport == "udp" {
		ansTransport = "udp"
	}
	var b strings.Builder
	err = starter.Execute(&b, map[string]string{"Transport": o.Transport, "Entry": o.Entry, "Host": host,
		"Answerer": o.Answerer, "AnswererTransport": ansTransport})
	return b.String(), err
}

var starter = template.Must(template.New("plan").Parse(`# edgesim regress plan for the seed's lab, written by 'edgesim regress init'.
# Run it with: edgesim regress run THIS-FILE --junit regress.xml --record before.json
# After an Expressway upgrade: edgesim regress run THIS-FILE --baseline before.json
expressway:
  entry: {{.Entry}}          # the Expressway's UC-facing SIP listener
  transport: {{.Transport}}
  federation: {{.Host}}:5061    # its TLS listener towards the Edge (library zones on loopback are dialled here)
uc:
  identities: ["sip:2000@acano.steven.lab"]
  answerer: {listen: "{{.Answerer}}", transport: {{.AnswererTransport}}}   # a neighbour zone of the Expressway
skype: {domain: skype.lab}
timeout: 5s
cases:
  # The correct federation, both ways.
  - name: call-in
    direction: inbound
    expect: {status: 200, verdict: answered, edge_saw: true}
  - name: call-out
    direction: outbound
    to: "sip:2000@acano.steven.lab"
    expect: {status: 200, verdict: answered, reaches_uc: true}
  # The seed's 1009s: the SRV record of the CMS domain points outside it, or into a subdomain.
  # A case that takes a scenario calls from (inbound) or to (outbound) the scenario's own UC-side
  # URI unless it names one: the subdomain cases are about cms.steven.lab.
  - name: seed-1009-other-domain-in
    direction: inbound
    scenario: srv-points-to-other-domain-inbound
  - name: seed-1009-subdomain-in
    direction: inbound
    scenario: srv-points-to-subdomain-inbound
  - name: seed-1009-subdomain-out
    direction: outbound
    scenario: srv-points-to-subdomain-outbound
    expect: {status: 504, diagnostic: 1009, result_code: "0xc3e93d6f", reaches_uc: false}
  # The seed's 1010: the in-domain SRV target is a name the Expressway's certificate does not carry.
  - name: seed-1010-wrong-principal-in
    direction: inbound
    zones:
      acano.steven.lab: |
        _sipfederationtls._tcp 60 IN SRV 0 0 5061 notincert.acano.steven.lab.
        notincert              60 IN A   {{.Host}}
    expect: {status: 504, diagnostic: 1010, result_code: "0xc3e93d67"}
  # No SRV record for the caller's domain.
  - name: no-srv-in
    direction: inbound
    scenario: no-srv-record-inbound
  # An Office 365 Edge trusts public CAs only: a lab certificate is untrusted.
  - name: untrusted-in
    direction: inbound
    scenario: office365-needs-public-ca-inbound
  # The caller's domain on the blocked list.
  - name: blocked-in
    direction: inbound
    edge: {federation: {blocked: [acano.steven.lab]}}
    expect: {status: 403, diagnostic: 1002, result_code: "0xc3e93d74"}
  # Presence and OPTIONS across federation.
  - name: presence-in
    direction: inbound
    method: SUBSCRIBE
    expect: {status: 200, edge_saw: true}
  - name: options-in
    direction: inbound
    method: OPTIONS
    expect: {status: 200, edge_saw: true}
  # IM from the Skype side: an INVITE for a message session, then a MESSAGE.
  - name: im-out
    direction: outbound
    method: MESSAGE
    to: "sip:2000@acano.steven.lab"
    expect: {status: 200, reaches_uc: true}
`))
