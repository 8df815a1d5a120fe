package regress

import (
	"crypto/tls"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgesim/edgesim/certs"
)

// entryPlan is a plan of inbound cases only, through the entry point %[1]s:127.0.0.1:%[2]d.
const entryPlan = `expressway:
  entry: 127.0.0.1:%[2]d
  transport: %[1]s
  federation: 127.0.0.1:%[3]d
uc:
  identities: ["sip:2000@acano.steven.lab"]
  answerer: {listen: "127.0.0.1:%[4]d", transport: tcp}
cases:
  - name: call-in
    direction: inbound
    expect: {status: 200, verdict: answered, result_code: "", edge_saw: true}
  - name: message-in
    direction: inbound
    method: MESSAGE
    expect: {status: 200, edge_saw: true}
  - name: presence-in
    direction: inbound
    method: SUBSCRIBE
    expect: {status: 200, edge_saw: true}
  - name: blocked-in
    direction: inbound
    edge: {federation: {blocked: [acano.steven.lab]}}
    expect: {status: 403, diagnostic: 1002, verdict: refused, result_code: "0xc3e93d74"}
`

// TestKamailioEntryTransports plays inbound cases through Kamailio's other UC-side entry points, as
// a plan's expressway.transport allows them: plain SIP over UDP, and TLS, where Kamailio requires
// the UC caller's client certificate (--caller-cert). The TCP entry is TestKamailioExpressway's.
func TestKamailioEntryTransports(t *testing.T) {
	if !inNetns(t) {
		return
	}
	l := newKamLab(t)
	l.issue(t, "uc-caller", "uc.acano.steven.lab")
	caller, err := certs.LoadKeyPair(filepath.Join(l.dir, "uc-caller.pem"), filepath.Join(l.dir, "uc-caller.key"))
	if err != nil {
		t.Fatal(err)
	}
	l.startKamailio(t, kamailioSetup{Cert: "vcse"})
	for _, tc := range []struct {
		transport string
		port      int
		cert      *tls.Certificate
	}{{"udp", l.ucPort, nil}, {"tls", l.ucTLSPort, &caller}} {
		t.Run(tc.transport, func(t *testing.T) {
			text := fmt.Sprintf(entryPlan, tc.transport, tc.port, l.tlsPort, l.answerPort)
			plan, err := Parse(tc.transport+"-plan.yaml", []byte(text), nil)
			if err != nil {
				t.Fatal(err)
			}
			rep := l.run(t, plan, tc.transport+" entry", Options{CallerCert: tc.cert})
			for _, r := range rep.Results {
				if !r.Pass {
					t.Errorf("%s: %s (notes: %s; the Edge's messages: %s)", r.Name, strings.Join(r.Mismatches, "; "), strings.Join(r.Notes, "; "), edgeLines(r))
				}
			}
			// The caller's own Via, below Kamailio's, says which transport the request came in on.
			via := "SIP/2.0/" + strings.ToUpper(tc.transport) + " "
			for _, r := range rep.Results {
				if len(r.Edge) == 0 || len(r.Edge[0].Messages) == 0 || !strings.Contains(r.Edge[0].Messages[0].Raw, via) {
					t.Errorf("%s: the request the Edge received does not show the caller's %s hop", r.Name, via)
				}
			}
		})
	}
}
