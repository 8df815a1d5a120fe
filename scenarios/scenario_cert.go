package scenarios

import (
	"fmt"
	"path/filepath"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
)

// via is the CA path that signs the certificate.
func (c Cert) via() certs.Via {
	switch {
	case c.SHA1 == "intermediate":
		return certs.ViaSHA1Intermediate
	case c.Intermediate != "":
		return certs.ViaIntermediate
	}
	return certs.ViaRoot
}

// issue makes the certificate in the lab directory dir.
func (c Cert) issue(dir string) (*certs.Leaf, error) {
	ca, err := certs.SigningCA(dir, c.IssuerName(), c.via())
	if err != nil {
		return nil, err
	}
	return ca.Issue(c.LeafRequest())
}

// checkCertVariant checks the §7 fields of a certificate at key.
func (v *validator) checkCertVariant(key string, c Cert) {
	if _, err := certs.ParseEKU(c.EKU); err != nil {
		v.bad(key+".eku", "%q is not server, client or both", c.EKU)
	}
	if _, err := certs.ParseKeyType(c.KeyType); err != nil {
		v.bad(key+".key_type", "%v", err)
	}
	switch c.Intermediate {
	case "", "sent", "omitted":
	default:
		v.bad(key+".intermediate", "%q is not sent or omitted", c.Intermediate)
	}
	switch c.SHA1 {
	case "", "leaf", "intermediate":
	default:
		v.bad(key+".sha1", "%q is not leaf or intermediate", c.SHA1)
	}
	switch {
	case c.Intermediate != "" && c.IssuerName() != certs.IssuerLab:
		v.bad(key+".intermediate", "the lab intermediate hangs under the lab CA: use issuer lab")
	case c.Intermediate != "" && c.SHA1 == "intermediate":
		v.bad(key+".sha1", "sha1: intermediate makes its own intermediate: leave out intermediate")
	case c.SelfSigned && (c.Intermediate != "" || c.SHA1 == "intermediate"):
		v.bad(key+".self_signed", "a self-signed certificate has no intermediate")
	}
}

// IssuePeer issues the stand-in's certificate in the lab directory dir as the scenario describes it;
// nil when it presents none.
func (s *Scenario) IssuePeer(dir string) (*certs.Leaf, error) {
	if s.Peer.Cert == nil {
		return nil, nil
	}
	leaf, err := s.Peer.Cert.issue(dir)
	if err != nil {
		return nil, fmt.Errorf("peer certificate: %w", err)
	}
	return leaf, nil
}

// issueEdgeCert writes the scenario's edge_cert into out and points cfg at it; without one the Edge
// keeps the lab's certificate.
func (s *Scenario) issueEdgeCert(dir, out string, cfg *config.Config) error {
	if s.EdgeCert == nil {
		return nil
	}
	c := *s.EdgeCert
	if c.CN == "" && len(c.SANs) == 0 {
		c.CN = cfg.Edge.FQDN
	}
	leaf, err := c.issue(dir)
	if err != nil {
		return fmt.Errorf("edge certificate: %w", err)
	}
	cfg.Edge.CertFile, cfg.Edge.KeyFile, err = leaf.WriteFiles(filepath.Join(out, "edge-scenario"))
	if err != nil {
		return fmt.Errorf("edge certificate: %w", err)
	}
	return nil
}
