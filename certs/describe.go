package certs

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"strings"
)

// ChainReport is the chain as the peer sent it, apart from what a trust store adds: the preflight
// and the rule trace show both, since a chain that works only thanks to one store breaks on the next.
type ChainReport struct {
	Sent  []string // subject CNs, leaf first
	Depth int
	// Complete: the issuer links from the leaf reach a self-signed root among the certificates sent.
	Complete bool
	// Top is the last certificate the links reach; MissingIssuer its issuer when Complete is false.
	Top, MissingIssuer string
}

// DescribeChain reports the chain as sent.
func DescribeChain(chain []*x509.Certificate) ChainReport {
	var r ChainReport
	for _, c := range chain {
		if c != nil {
			r.Sent = append(r.Sent, c.Subject.CommonName)
		}
	}
	r.Depth = len(r.Sent)
	top := SentPathTop(chain)
	if top == nil {
		return r
	}
	r.Top, r.Complete = top.Subject.CommonName, IsSelfSigned(top)
	if !r.Complete {
		r.MissingIssuer = top.Issuer.CommonName
	}
	return r
}

func (r ChainReport) String() string {
	s := fmt.Sprintf("%s (depth %d)", strings.Join(r.Sent, " <- "), r.Depth)
	if r.Complete {
		return s + ", complete up to its root " + r.Top
	}
	return fmt.Sprintf("%s, stops at %s: its issuer %s was not sent", s, r.Top, r.MissingIssuer)
}

// FirstSHA1 is the first certificate of the chain as sent signed with SHA-1, roots excepted; nil
// when there is none.
func FirstSHA1(chain []*x509.Certificate) *x509.Certificate { return firstSHA1(chain) }

// rsaFragileBits is where the Expressway's SIP TLS zones are documented to fail (X15 certificate
// guide, troubleshooting): the Edge itself accepts such keys.
const rsaFragileBits = 8192

// KeyDescription names a certificate's public key; fragile marks one that works at the Edge but is
// known to break the Expressway's SIP TLS zones.
func KeyDescription(c *x509.Certificate) (desc string, fragile bool) {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		bits := k.N.BitLen()
		return fmt.Sprintf("RSA %d bits", bits), bits >= rsaFragileBits
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name, false
	case ed25519.PublicKey:
		return "Ed25519", false
	}
	return fmt.Sprintf("%T", c.PublicKey), false
}
