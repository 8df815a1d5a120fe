package edge

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
)

const (
	seedFrom = "sip:2000@acano.steven.lab"
	seedTo   = "sip:stejanss@skype.lab"
)

var acanoToOtherDomain = map[string]string{
	"acano.steven.lab": zone("_sipfederationtls._tcp 300 IN SRV 0 0 5061 vcse.steven.lab."),
	"steven.lab":       zone("vcse 300 IN A 127.0.0.1"),
}

var acanoCorrect = map[string]string{
	"acano.steven.lab": zone("_sipfederationtls._tcp 300 IN SRV 0 0 5061 vcse.acano.steven.lab.", "vcse 300 IN A 127.0.0.1"),
}

// Inbound rows of issue 3 §5, over real mutual TLS to a running Edge that asks a real lab DNS server.
func TestInboundRefusalsOnTheWire(t *testing.T) {
	good := certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}
	tests := []struct {
		name      string
		opts      []edgeOption
		issuer    certs.Issuer
		cert      certs.LeafRequest
		status    int
		diag      string // exact ms-diagnostics value; "" means none must be sent
		diagPart  string // a part of it, when the exact value is long
		record    string // Edge-log Result-Code line
		recordHas []string
	}{
		{name: "SRV points to another domain (seed 0xc3e93d6f)", opts: []edgeOption{withZones(acanoToOtherDomain)},
			cert: certs.LeafRequest{CommonName: "vcse.steven.lab"}, status: 504,
			diag:      `1009;reason="No match for domain in DNS SRV results";domain="acano.steven.lab";fqdn1="vcse.steven.lab:5061";source="sip.skype.lab"`,
			record:    "Result-Code: 0xc3e93d6f SIPPROXY_E_EPROUTING_MSG_ALLOWED_DOMAIN_NO_SRV_MATCH",
			recordHas: []string{"Severity: warning", `Data: domain="acano.steven.lab";fqdn1="vcse.steven.lab:5061"`, "SIP-Start-Line: INVITE sip:stejanss@skype.lab SIP/2.0", "Peer: vcse.steven.lab:"}},
		{name: "certificate lacks the SRV FQDN (seed 0xc3e93d67)", opts: []edgeOption{withZones(acanoCorrect)},
			cert: certs.LeafRequest{CommonName: "vcse.steven.lab"}, status: 504,
			diag:      `1010;reason="Certificate trust with another server could not be established";ErrorType="The peer certificate does not contain a matching FQDN";tls-target="vcse.acano.steven.lab";PeerServer="vcse.steven.lab";HRESULT="0x80090322(SEC_E_WRONG_PRINCIPAL)";source="sip.skype.lab"`,
			record:    "Result-Code: 0xc3e93d67 SIPPROXY_E_ROUTING_MSG_CERT_MISMATCH",
			recordHas: []string{"Severity: error", `Data: expected-fqdn="vcse.acano.steven.lab";certName="vcse.steven.lab";info="The peer certificate does not contain a matching FQDN"`}},
		{name: "no SRV record", opts: []edgeOption{withZones(map[string]string{"acano.steven.lab": zone("vcse 300 IN A 127.0.0.1")})},
			cert: good, status: 504, diag: `1008;reason="Unable to resolve DNS SRV record";domain="acano.steven.lab";source="sip.skype.lab"`,
			record: "Result-Code: 0xc3e93d6e"},
		{name: "untrusted CA", opts: []edgeOption{withZones(acanoCorrect)}, issuer: certs.IssuerUntrusted, cert: good, status: 504,
			diagPart: `ErrorType="The certificate chain was issued by an authority that is not trusted";tls-target="vcse.acano.steven.lab";PeerServer="vcse.acano.steven.lab";HRESULT="0x80090325(SEC_E_UNTRUSTED_ROOT)"`,
			record:   "Result-Code: 0xc3e93d68"},
		{name: "expired certificate", opts: []edgeOption{withZones(acanoCorrect)},
			cert: certs.LeafRequest{CommonName: "vcse.acano.steven.lab", Expired: true}, status: 504,
			diagPart: `HRESULT="0x80090328(SEC_E_CERT_EXPIRED)"`, record: "Result-Code: 0xc3e93d69"},
		{name: "SAN present, FQDN only in the CN", opts: []edgeOption{withZones(acanoCorrect)},
			cert: certs.LeafRequest{CommonName: "vcse.acano.steven.lab", SANs: []string{"vcse.steven.lab"}}, status: 504,
			diagPart: `SEC_E_WRONG_PRINCIPAL`, record: "Result-Code: 0xc3e93d67"},
		{name: "wildcard SAN", opts: []edgeOption{withZones(acanoCorrect)},
			cert: certs.LeafRequest{CommonName: "vcse.steven.lab", SANs: []string{"*.acano.steven.lab"}}, status: 504,
			diagPart: `SEC_E_WRONG_PRINCIPAL`, record: "Result-Code: 0xc3e93d67"},
		{name: "office365 profile with the lab CA", opts: []edgeOption{withZones(acanoCorrect),
			func(c *config.Config) { c.Edge.Trust.Profile = config.ProfileOffice365 }},
			cert: good, status: 504, diagPart: `SEC_E_UNTRUSTED_ROOT`, record: "Result-Code: 0xc3e93d68"},
		{name: "blocked domain", opts: []edgeOption{withZones(acanoCorrect),
			func(c *config.Config) { c.Edge.Federation.Blocked = []string{"acano.steven.lab"} }},
			cert: good, status: 403, diag: `1002;reason="From URI not authorized to communicate with federated partners";domain="acano.steven.lab";source="sip.skype.lab"`,
			record: "Result-Code: 0xc3e93d74"},
		{name: "faithful mode sends the bare 504", opts: []edgeOption{withZones(acanoToOtherDomain),
			func(c *config.Config) { c.Edge.Diagnostics = config.DiagnosticsFaithful }},
			cert: certs.LeafRequest{CommonName: "vcse.steven.lab"}, status: 504, diag: "", record: "Result-Code: 0xc3e93d6f"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := startEdge(t, tc.opts...)
			iss := tc.issuer
			if iss == "" {
				iss = certs.IssuerLab
			}
			res := e.call(e.peer(e.issue(iss, tc.cert)), seedFrom, seedTo)
			if res.Answered || res.Final == nil || res.Final.StatusCode != tc.status {
				t.Fatalf("got %+v, want %d", res.Final, tc.status)
			}
			r := res.Final
			if tc.status == 504 && r.Reason != "Server time-out" {
				t.Errorf("reason %q", r.Reason)
			}
			if h := r.GetHeader("Server"); h == nil || h.Value() != "RTC/6.0" {
				t.Errorf("Server header %v", h)
			}
			if to := r.To(); to == nil || !regexp.MustCompile(`^[0-9A-F]{32}$`).MatchString(to.Params.GetOr("tag", "")) {
				t.Errorf("To tag not added: %v", to)
			}
			via := r.Via().Value()
			if !regexp.MustCompile(`;received=127\.0\.0\.1;ms-received-port=\d+;ms-received-cid=[0-9A-F]+$`).MatchString(via) {
				t.Errorf("Via not stamped like the Edge: %s", via)
			}
			got := diagnostic(r)
			switch {
			case tc.diagPart != "":
				if !strings.Contains(got, tc.diagPart) {
					t.Errorf("ms-diagnostics %q lacks %q", got, tc.diagPart)
				}
			case got != tc.diag:
				t.Errorf("ms-diagnostics\n got %q\nwant %q", got, tc.diag)
			}
			log := e.edgeLog.String()
			for _, want := range append([]string{tc.record, "$$begin_record", "$$end_record\r\n"}, tc.recordHas...) {
				if !strings.Contains(log, want) {
					t.Errorf("Edge log lacks %q:\n%s", want, log)
				}
			}
		})
	}
}

// Accepted calls: 100/180/200 with SDP, ACK and BYE; the certificate rule's passing variants.
func TestInboundAcceptedCalls(t *testing.T) {
	tests := []struct {
		name  string
		zones map[string]string
		cert  certs.LeafRequest
	}{
		{"correct SRV and certificate", acanoCorrect, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}},
		{"CN-only certificate without SAN", acanoCorrect, certs.LeafRequest{CommonName: "vcse.acano.steven.lab", NoSAN: true}},
		{"several SRV targets, one in the domain", map[string]string{
			"acano.steven.lab": zone("_sipfederationtls._tcp 300 IN SRV 0 0 5061 vcse.steven.lab.",
				"_sipfederationtls._tcp 300 IN SRV 10 0 5061 vcse.acano.steven.lab.", "vcse 300 IN A 127.0.0.1"),
		}, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A short ring: sipgo hands each response to its own goroutine, so a 180 sent back to back
			// with the 200 can reach the caller's transaction after it.
			e := startEdge(t, withZones(tc.zones), func(c *config.Config) { c.Edge.AnswerDelay = 50 * time.Millisecond })
			res := e.call(e.peer(e.issue(certs.IssuerLab, tc.cert)), seedFrom, seedTo)
			if !res.Answered || !res.HungUp {
				t.Fatalf("call not completed: %+v", res)
			}
			if got := fmt.Sprint(res.Responses); !strings.Contains(got, "180") || !strings.HasSuffix(got, " 200]") {
				t.Errorf("responses %s, want 100 and 180 (in either order: sipgo reorders back-to-back 1xx) then 200", got)
			}
			body := string(res.Final.Body())
			for _, want := range []string{"m=audio ", " RTP/AVP 8 101", "a=rtpmap:8 PCMA/8000", "c=IN IP4 127.0.0.1"} {
				if !strings.Contains(body, want) {
					t.Errorf("SDP answer lacks %q:\n%s", want, body)
				}
			}
			if log := e.edgeLog.String(); log != "" {
				t.Errorf("an accepted call wrote an Edge-log record:\n%s", log)
			}
		})
	}
}
