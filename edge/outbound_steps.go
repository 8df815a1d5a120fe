package edge

import (
	"crypto/tls"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/sipstack"
)

// StepKind names a stage of the outbound direction, in the order they run.
type StepKind string

// Stages of an outbound call or check.
const (
	StepFederation  StepKind = "federation"
	StepSRV         StepKind = "srv"
	StepInDomain    StepKind = "in-domain"
	StepAddress     StepKind = "a/aaaa"
	StepConnect     StepKind = "tcp"
	StepTLS         StepKind = "tls"
	StepCertificate StepKind = "certificate"
	StepSent        StepKind = "sent"
	StepReceived    StepKind = "received"
)

// Step is one thing the Edge did or saw, told to a person as it happens; the rule trace is the
// same story as data.
type Step struct {
	Kind   StepKind `json:"kind"`
	OK     bool     `json:"ok"`
	Text   string   `json:"text"`
	Detail []string `json:"detail,omitempty"`
}

func srvStep(domain string, srv policy.SRVResult) Step {
	s := Step{Kind: StepSRV, OK: srv.Error == "" && len(srv.Targets) > 0}
	name := policy.FederationSRVName(domain)
	if srv.Error != "" {
		s.Text = srv.Error
		return s
	}
	s.Text = fmt.Sprintf("%s: %d record(s)", name, len(srv.Targets))
	for _, t := range srv.Targets {
		s.Detail = append(s.Detail, fmt.Sprintf("%s SRV %d %d %d %s.", name, t.Priority, t.Weight, t.Port, strings.TrimSuffix(t.Target, ".")))
	}
	return s
}

func inDomainStep(domain string, targets []policy.SRVTarget, ok bool) Step {
	s := Step{Kind: StepInDomain, OK: ok}
	for _, t := range targets {
		verdict := "lies directly in " + domain
		if !policy.InDomain(t.Target, domain) {
			verdict = "does NOT lie directly in " + domain
		}
		s.Detail = append(s.Detail, t.HostPort()+" "+verdict)
	}
	if ok {
		s.Text = "an SRV target lies directly in " + domain
	} else {
		s.Text = "no SRV target lies directly in " + domain + ": the INVITE is not sent"
	}
	return s
}

func tlsStep(cs tls.ConnectionState, own tls.Certificate) Step {
	s := Step{Kind: StepTLS, OK: true, Text: fmt.Sprintf("%s %s, SNI %s, client certificate %s presented",
		tls.VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite), cs.ServerName, ownName(own))}
	for i, c := range cs.PeerCertificates {
		s.Detail = append(s.Detail, fmt.Sprintf("[%d] CN=%q SAN=%v issuer CN=%q valid %s to %s", i, c.Subject.CommonName,
			c.DNSNames, c.Issuer.CommonName, c.NotBefore.UTC().Format(time.DateOnly), c.NotAfter.UTC().Format(time.DateOnly)))
	}
	return s
}

func ownName(c tls.Certificate) string {
	if c.Leaf != nil {
		return certs.PresentedName(c.Leaf)
	}
	return "(unparsed)"
}

func joinAddrs(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

// sipLines is a message's header lines, for a step's detail.
func sipLines(m *sipstack.Message) []string {
	head, _, _ := strings.Cut(m.Text, "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	return lines[1:]
}
