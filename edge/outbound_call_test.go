package edge

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/scenarios/standin"
)

const (
	seed1009 = `ms-diagnostics: 1009;reason="No match for domain in DNS SRV results";domain="cms.steven.lab";fqdn1="vcse.sub.cms.steven.lab:5061";source="sip.skype.lab"`
	seed1010 = `ms-diagnostics: 1010;reason="Certificate trust with another server could not be established";ErrorType="The peer certificate does not contain a matching FQDN";tls-target="vcse.cms.steven.lab";PeerServer="vcse.steven.lab";HRESULT="0x80090322(SEC_E_WRONG_PRINCIPAL)";source="sip.skype.lab"`
)

// The seed's outbound 1009: the SRV record points into a subdomain, the INVITE never leaves, and
// the Skype client's view carries the seed's line byte for byte.
func TestOutboundSeed1009(t *testing.T) {
	l := newOutLab(t)
	peer := l.peer(standin.ServerConfig{Certificate: l.cert(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.sub.cms.steven.lab"})})
	for _, port := range []uint16{5061, peer.Addr().Port()} {
		o := l.open(cmsZone("vcse.sub.cms.steven.lab", port))
		r := placeCall(o, "sip:2000@cms.steven.lab", 5*time.Second)
		want := strings.Replace(seed1009, ":5061", ":"+portStr(port), 1)
		if got := diagOf(r); got != want {
			t.Errorf("port %d:\n got %s\nwant %s", port, got, want)
		}
		if r.Status != 504 || r.InviteSent || r.ResultCode != "0xc3e93d6f" {
			t.Errorf("port %d: status %d invite sent %v result %s", port, r.Status, r.InviteSent, r.ResultCode)
		}
		if !strings.Contains(r.SkypeView, "\r\n"+want+"\r\n") || !strings.HasPrefix(r.SkypeView, "SIP/2.0 504 Server time-out\r\n") {
			t.Errorf("Skype view:\n%s", r.SkypeView)
		}
		if !strings.Contains(r.EdgeLog, "Result-Code: 0xc3e93d6f SIPPROXY_E_EPROUTING_MSG_ALLOWED_DOMAIN_NO_SRV_MATCH") ||
			!strings.Contains(r.EdgeLog, "SIP-Start-Line: INVITE sip:2000@cms.steven.lab SIP/2.0") {
			t.Errorf("Edge log:\n%s", r.EdgeLog)
		}
	}
	settle(t, peer)
	if n, rs := peer.Accepted(), peer.Requests(); n != 0 || len(rs) != 0 {
		t.Errorf("the stand-in saw %d connections and %d requests; the INVITE must never leave", n, len(rs))
	}
	if !strings.Contains(l.log.String(), "$$begin_record") {
		t.Error("nothing written to the Edge log")
	}
}

func portStr(p uint16) string { return strconv.Itoa(int(p)) }

// settle shuts the stand-in down after the Edge's call has returned, so that what it counted is
// final. Every way the Edge can reach the peer waits on the peer before Call returns (a TLS
// handshake needs its answer, an INVITE its final response), and Close returns only once the
// peer's accept loop, its connection goroutines and its request handlers have all ended: nothing
// the Edge sent can still be on its way into Accepted or Requests.
func settle(t *testing.T, peer *standin.Server) {
	t.Helper()
	if err := peer.Close(); err != nil {
		t.Logf("closing the stand-in: %v", err)
	}
}

// The seed's outbound 1010: an in-domain SRV target, but the Expressway's certificate names only
// vcse.steven.lab. The handshake is refused and the INVITE never reaches the peer.
func TestOutboundSeed1010(t *testing.T) {
	l := newOutLab(t)
	peer := l.peer(standin.ServerConfig{Certificate: l.cert(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.steven.lab"}), RequireClientCert: true})
	o := l.open(cmsZone("vcse.cms.steven.lab", peer.Addr().Port()))
	r := placeCall(o, "sip:2000@cms.steven.lab", 5*time.Second)
	if got := diagOf(r); got != seed1010 {
		t.Fatalf("\n got %s\nwant %s", got, seed1010)
	}
	if r.InviteSent || r.ResultCode != "0xc3e93d67" || r.PeerServer != "vcse.steven.lab" {
		t.Errorf("invite sent %v result %s peer %q", r.InviteSent, r.ResultCode, r.PeerServer)
	}
	if !strings.Contains(r.EdgeLog, `Data: expected-fqdn="vcse.cms.steven.lab";certName="vcse.steven.lab";info="The peer certificate does not contain a matching FQDN"`) ||
		!strings.Contains(r.EdgeLog, "Peer: vcse.steven.lab:"+portStr(peer.Addr().Port())) {
		t.Errorf("Edge log:\n%s", r.EdgeLog)
	}
	if got := stepKinds(r.Steps); got != "+federation +srv +in-domain +a/aaaa +tcp +tls -certificate " {
		t.Errorf("steps %s", got)
	}
	settle(t, peer)
	if rs := peer.Requests(); len(rs) != 0 {
		t.Errorf("the stand-in got %d requests", len(rs))
	}
}

// One row per refusal of spec §3 that does not need a peer to misbehave on purpose.
func TestOutboundRefusals(t *testing.T) {
	l := newOutLab(t)
	good := l.cert(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab"})
	untrusted := l.peer(standin.ServerConfig{Certificate: l.cert(certs.IssuerUntrusted, certs.LeafRequest{CommonName: "vcse.cms.steven.lab"})})
	expired := l.peer(standin.ServerConfig{Certificate: l.cert(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab", Expired: true})})
	stall := l.peer(standin.ServerConfig{Certificate: good, Behaviour: standin.StallTLS})
	reset := l.peer(standin.ServerConfig{Certificate: good, Behaviour: standin.ResetTLS})
	closed := closedPort(t)
	zone := func(body string) map[string]string { return map[string]string{"cms.steven.lab": body} }
	srvTo := func(port uint16) map[string]string { return cmsZone("vcse.cms.steven.lab", port) }
	tests := []struct {
		name    string
		zones   map[string]string
		timeout time.Duration
		want    string // the ms-diagnostics line
		result  string
	}{
		{"no SRV record", zone("vcse IN A 127.0.0.1\n"), 0,
			`ms-diagnostics: 1008;reason="Unable to resolve DNS SRV record";domain="cms.steven.lab";source="sip.skype.lab"`, "0xc3e93d6e"},
		{"SRV target without an address", zone("_sipfederationtls._tcp IN SRV 0 0 5061 vcse.cms.steven.lab.\n"), 0,
			`ms-diagnostics: 1014;reason="Unable to resolve DNS A record";fqdn="vcse.cms.steven.lab";source="sip.skype.lab"`, "0xc3e93d70"},
		{"CNAME loop", zone("_sipfederationtls._tcp IN SRV 0 0 5061 vcse.cms.steven.lab.\nvcse IN CNAME loop\nloop IN CNAME vcse\n"), 0,
			`ms-diagnostics: 1014;reason="Unable to resolve DNS A record";fqdn="vcse.cms.steven.lab";source="sip.skype.lab"`, "0xc3e93d70"},
		{`SRV target "."`, zone("_sipfederationtls._tcp IN SRV 0 0 5061 .\n"), 0,
			`ms-diagnostics: 1008;reason="Unable to resolve DNS SRV record";domain="cms.steven.lab";source="sip.skype.lab"`, "0xc3e93d6e"},
		{"TCP refused", srvTo(closed), 0,
			`ms-diagnostics: 1046;reason="Failed to connect to a federated peer server";fqdn="vcse.cms.steven.lab:` + portStr(closed) + `";WinsockFailureCode="10061(WSAECONNREFUSED)";source="sip.skype.lab"`, "0xc3e93d71"},
		{"TLS never completes", srvTo(stall.Addr().Port()), 500 * time.Millisecond,
			`ms-diagnostics: 1047;reason="Failed to complete TLS negotiation with a federated peer server";WinsockFailureCode="10060(WSAETIMEDOUT)";WinsockFailureDescription="The peer did not respond to the connection attempt";source="sip.skype.lab"`, "0xc3e93d72"},
		{"TLS reset", srvTo(reset.Addr().Port()), 0,
			`ms-diagnostics: 1047;reason="Failed to complete TLS negotiation with a federated peer server";WinsockFailureCode="10054(WSAECONNRESET)";WinsockFailureDescription="The peer forced closure of the connection";source="sip.skype.lab"`, "0xc3e93d72"},
		{"untrusted root", srvTo(untrusted.Addr().Port()), 0,
			`ms-diagnostics: 1010;reason="Certificate trust with another server could not be established";ErrorType="The certificate chain was issued by an authority that is not trusted";tls-target="vcse.cms.steven.lab";PeerServer="vcse.cms.steven.lab";HRESULT="0x80090325(SEC_E_UNTRUSTED_ROOT)";source="sip.skype.lab"`, "0xc3e93d68"},
		{"expired", srvTo(expired.Addr().Port()), 0,
			`ms-diagnostics: 1010;reason="Certificate trust with another server could not be established";ErrorType="The received certificate has expired";tls-target="vcse.cms.steven.lab";PeerServer="vcse.cms.steven.lab";HRESULT="0x80090328(SEC_E_CERT_EXPIRED)";source="sip.skype.lab"`, "0xc3e93d69"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := l.open(tc.zones)
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			r := callWithin(t, o, "sip:2000@cms.steven.lab", timeout, timeout+5*time.Second)
			if got := diagOf(r); got != tc.want {
				t.Errorf("\n got %s\nwant %s\nsteps %s", got, tc.want, stepKinds(r.Steps))
			}
			if r.Status != 504 || r.InviteSent || r.ResultCode != tc.result || !strings.Contains(r.SkypeView, tc.want+"\r\n") {
				t.Errorf("status %d invite sent %v result %s view\n%s", r.Status, r.InviteSent, r.ResultCode, r.SkypeView)
			}
		})
	}
}

// callWithin places the call with the given timeout and fails the test if it has not returned
// within bound: a timeout the Edge ignores then fails the test instead of hanging it.
func callWithin(t *testing.T, o *Outbound, to string, timeout, bound time.Duration) CallResult {
	t.Helper()
	done := make(chan CallResult, 1)
	go func() { done <- placeCall(o, to, timeout) }()
	select {
	case r := <-done:
		return r
	case <-time.After(bound):
		t.Fatalf("the call was still running %s into it (call timeout %s)", bound, timeout)
		return CallResult{}
	}
}

func closedPort(t *testing.T) uint16 {
	t.Helper()
	port, err := standin.ClosedPort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// A DNS server that never answers: the remote resolver gives up within its own timeout and the
// Edge answers 1008. The call's own timeout is an hour, so only the resolver's 300ms can end the
// lookup before callWithin's 10s bound.
func TestOutboundDNSUnreachable(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	l := newOutLab(t)
	o := l.open(nil, func(c *config.Config) {
		c.DNS.Resolver = pc.LocalAddr().String()
		c.DNS.Timeout = 300 * time.Millisecond
	})
	r := callWithin(t, o, "sip:2000@cms.steven.lab", time.Hour, 10*time.Second)
	if r.DiagnosticCode != 1008 || !strings.Contains(r.EdgeLog, "timeout") {
		t.Errorf("diagnostic %s\nlog %s", r.Diagnostic, r.EdgeLog)
	}
}

// A blocked domain is refused before any DNS: 403 with 1002, and the check says which list did it.
func TestOutboundBlockedDomain(t *testing.T) {
	l := newOutLab(t)
	o := l.open(cmsZone("vcse.cms.steven.lab", 5061), func(c *config.Config) { c.Edge.Federation.Blocked = []string{"CMS.steven.lab"} })
	r := placeCall(o, "sip:2000@cms.steven.lab", time.Second)
	if r.Status != 403 || r.DiagnosticCode != 1002 || r.InviteSent || len(r.Steps) != 1 || r.Steps[0].OK {
		t.Errorf("status %d diag %s steps %s", r.Status, r.Diagnostic, stepKinds(r.Steps))
	}
	if !strings.HasPrefix(r.SkypeView, "SIP/2.0 403 Forbidden\r\n") || !strings.Contains(r.EdgeLog, "blocked domains list") {
		t.Errorf("view\n%s\nlog\n%s", r.SkypeView, r.EdgeLog)
	}
}
