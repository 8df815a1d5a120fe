package certs

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"slices"
	"testing"
)

func TestNormalizeFQDN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"vcse.acano.steven.lab", "vcse.acano.steven.lab"},
		{"VCSE.Acano.Steven.LAB", "vcse.acano.steven.lab"},
		{"vcse.acano.steven.lab.", "vcse.acano.steven.lab"},
		{"  vcse.acano.steven.lab. \t", "vcse.acano.steven.lab"},
		{"", ""},
		{".", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := NormalizeFQDN(tt.in); got != tt.want {
				t.Errorf("NormalizeFQDN(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// ruleCerts are the certificate shapes the rule distinguishes.
type ruleCerts struct {
	sanAndCN, cnOnly, sanNoCN, cnNotInSAN, wildcard, ipOnlySAN, empty *x509.Certificate
}

func newRuleCerts(t *testing.T) ruleCerts {
	l := newLab(t)
	issue := func(req LeafRequest) *x509.Certificate { return mustIssue(t, l.lab, req).Chain[0] }
	return ruleCerts{
		sanAndCN:   issue(LeafRequest{CommonName: "vcse.steven.lab", SANs: []string{"vcse.steven.lab", "vcse.acano.steven.lab"}}),
		cnOnly:     issue(LeafRequest{CommonName: "vcse.acano.steven.lab", NoSAN: true}),
		sanNoCN:    issue(LeafRequest{SANs: []string{"vcse.acano.steven.lab", "vcse.steven.lab"}}),
		cnNotInSAN: issue(LeafRequest{CommonName: "vcse.acano.steven.lab", SANs: []string{"vcse.steven.lab"}}),
		wildcard:   issue(LeafRequest{CommonName: "vcse.steven.lab", SANs: []string{"*.acano.steven.lab"}}),
		ipOnlySAN: issueCustom(t, l.lab, &x509.Certificate{
			Subject:     pkix.Name{CommonName: "vcse.acano.steven.lab"},
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		}),
		empty: issueCustom(t, l.lab, &x509.Certificate{IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}),
	}
}

func TestCertificateNames(t *testing.T) {
	rc := newRuleCerts(t)
	tests := []struct {
		name string
		c    *x509.Certificate
		want []string
	}{
		{"SANs only, CN ignored", rc.cnNotInSAN, []string{"vcse.steven.lab"}},
		{"SANs and matching CN", rc.sanAndCN, []string{"vcse.steven.lab", "vcse.acano.steven.lab"}},
		{"CN only", rc.cnOnly, []string{"vcse.acano.steven.lab"}},
		{"SAN without CN", rc.sanNoCN, []string{"vcse.acano.steven.lab", "vcse.steven.lab"}},
		{"IP-only SAN falls back to CN", rc.ipOnlySAN, []string{"vcse.acano.steven.lab"}},
		{"no names", rc.empty, nil},
		{"nil", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CertificateNames(tt.c); !slices.Equal(got, tt.want) {
				t.Errorf("CertificateNames = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMatchesFQDN(t *testing.T) {
	rc := newRuleCerts(t)
	tests := []struct {
		name string
		c    *x509.Certificate
		fqdn string
		want bool
	}{
		{"second SAN", rc.sanAndCN, "vcse.acano.steven.lab", true},
		{"first SAN", rc.sanAndCN, "vcse.steven.lab", true},
		{"case and trailing dot", rc.sanAndCN, "VCSE.Acano.Steven.Lab.", true},
		{"other name", rc.sanAndCN, "vcse.cms.steven.lab", false},
		{"parent domain", rc.sanAndCN, "acano.steven.lab", false},
		{"CN only", rc.cnOnly, "vcse.acano.steven.lab", true},
		{"CN only, other name", rc.cnOnly, "vcse.steven.lab", false},
		{"name only in CN beside SANs", rc.cnNotInSAN, "vcse.acano.steven.lab", false},
		{"SAN beside a different CN", rc.cnNotInSAN, "vcse.steven.lab", true},
		{"wildcard does not cover a host", rc.wildcard, "vcse.acano.steven.lab", false},
		{"wildcard not matched literally", rc.wildcard, "*.acano.steven.lab", false},
		{"CN beside wildcard SAN ignored", rc.wildcard, "vcse.steven.lab", false},
		{"IP-only SAN falls back to CN", rc.ipOnlySAN, "vcse.acano.steven.lab", true},
		{"empty fqdn", rc.sanAndCN, "", false},
		{"no names", rc.empty, "vcse.acano.steven.lab", false},
		{"nil cert", nil, "vcse.acano.steven.lab", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchesFQDN(tt.c, tt.fqdn); got != tt.want {
				t.Errorf("MatchesFQDN(%q) = %v, want %v", tt.fqdn, got, tt.want)
			}
		})
	}
}

func TestPresentedName(t *testing.T) {
	rc := newRuleCerts(t)
	tests := []struct {
		name string
		c    *x509.Certificate
		want string
	}{
		{"CN wins over SANs", rc.cnNotInSAN, "vcse.acano.steven.lab"},
		{"CN of the seed's certificate", rc.sanAndCN, "vcse.steven.lab"},
		{"CN only", rc.cnOnly, "vcse.acano.steven.lab"},
		{"first SAN without CN", rc.sanNoCN, "vcse.acano.steven.lab"},
		{"nothing", rc.empty, ""},
		{"nil", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PresentedName(tt.c); got != tt.want {
				t.Errorf("PresentedName = %q, want %q", got, tt.want)
			}
		})
	}
}
