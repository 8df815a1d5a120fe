package health

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/sipstack"
)

// alertWait is how long CheckSIP waits, after its handshake, for the Edge to refuse the client
// certificate: with TLS 1.3 that refusal comes after the client has finished its half of the handshake.
const alertWait = 300 * time.Millisecond

// edgeIdentity is what the probe knows of the Edge's certificate from the lab directory.
type edgeIdentity struct {
	client   *tls.Certificate  // the Edge's certificate and key, presented as the client certificate
	clientNo string            // why there is no client certificate
	pinned   *x509.Certificate // the Edge's certificate as on disk
	pinFile  string
	roots    *x509.CertPool // the lab CA
	caFile   string
}

func loadEdgeIdentity(cfg config.Config) edgeIdentity {
	certFile, keyFile := edge.EdgeCertFiles(cfg)
	caFile, _ := certs.IssuerLab.Files(cfg.Lab.Dir)
	id := edgeIdentity{pinFile: certFile, caFile: caFile}
	if pair, err := certs.LoadKeyPair(certFile, keyFile); err == nil {
		id.client, id.pinned = &pair, pair.Leaf
	} else {
		id.clientNo = err.Error()
		if chain, err := certs.ReadCertificates(certFile); err == nil {
			id.pinned = chain[0]
		}
	}
	if pool, err := certs.CertPoolFromFiles(id.caFile); err == nil {
		id.roots = pool
	}
	return id
}

// verify accepts the Edge's certificate: the very certificate on disk, or one from the lab CA naming
// edge.fqdn. It returns how it matched.
func (id edgeIdentity) verify(cs tls.ConnectionState, fqdn string) (string, error) {
	if len(cs.PeerCertificates) == 0 {
		return "", errors.New("the listener presented no certificate")
	}
	leaf := cs.PeerCertificates[0]
	if id.pinned != nil && bytes.Equal(leaf.Raw, id.pinned.Raw) {
		return "the Edge certificate (identical to " + id.pinFile + ")", nil
	}
	if id.roots != nil {
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		_, err := leaf.Verify(x509.VerifyOptions{DNSName: fqdn, Roots: id.roots, Intermediates: inter,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		if err == nil {
			return "a certificate for " + fqdn + " from the lab CA (" + id.caFile + ")", nil
		}
		return "", fmt.Errorf("the listener presents %q, which is not the Edge's certificate: %w", certs.PresentedName(leaf), err)
	}
	if id.pinned == nil {
		return "", fmt.Errorf("cannot tell whether the listener is the Edge: neither %s nor %s is readable", id.pinFile, id.caFile)
	}
	return "", fmt.Errorf("the listener presents %q, which is not the certificate in %s", certs.PresentedName(leaf), id.pinFile)
}

func (id edgeIdentity) clientDesc() string {
	if id.client == nil {
		return "no client certificate (" + id.clientNo + ")"
	}
	return fmt.Sprintf("client certificate %q", certs.PresentedName(id.client.Leaf))
}

// sipProbe is one TLS handshake to the Edge, and what its certificate check concluded.
type sipProbe struct {
	id        edgeIdentity
	matched   string // how the listener's certificate matched the Edge's
	verifyErr error  // why it did not
}

// CheckSIP performs a TLS handshake to addr as a federated peer would, presenting the Edge's own
// certificate. The listener is healthy when it presents the Edge's certificate and then either
// completes the handshake or refuses the client certificate with a TLS alert: a refusal is the Edge
// doing its job. No SIP is sent, so the check leaves nothing in the Edge log.
func CheckSIP(ctx context.Context, cfg config.Config, addr string, timeout time.Duration) Check {
	hc := Check{Check: "sip", Address: addr, Status: Fail}
	minV, maxV, err := cfg.Edge.TLS.Versions()
	if err != nil {
		hc.Detail = fmt.Sprintf("edge.tls: %v", err)
		return hc
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	p := &sipProbe{id: loadEdgeIdentity(cfg)}
	conf := &tls.Config{
		ServerName: cfg.Edge.FQDN,
		MinVersion: minV,
		MaxVersion: maxV,
		// The Edge's identity is checked in VerifyConnection against the lab's own files (tested in
		// cmd/edgesim/health_cmd_test.go); the system roots have no say in a lab PKI.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			p.matched, p.verifyErr = p.id.verify(cs, cfg.Edge.FQDN)
			return p.verifyErr
		},
	}
	if p.id.client != nil {
		conf.Certificates = []tls.Certificate{*p.id.client}
	}
	d := tls.Dialer{NetDialer: &net.Dialer{}, Config: conf}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return p.dialFailed(hc, err, timeout)
	}
	defer conn.Close()
	return p.afterHandshake(ctx, hc, conn.(*tls.Conn))
}

func (p *sipProbe) refused(err error) string {
	return fmt.Sprintf("alive: presented %s, then refused %s (%v), as the Edge does", p.matched, p.id.clientDesc(), err)
}

func (p *sipProbe) dialFailed(hc Check, err error, timeout time.Duration) Check {
	switch {
	case p.verifyErr != nil:
		hc.Detail = p.verifyErr.Error()
	case p.matched != "" && sipstack.IsTLSAlert(err):
		hc.Status = OK
		hc.Detail = p.refused(err)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		hc.Detail = fmt.Sprintf("no TLS handshake within %s: %v", timeout, err)
	case isRefused(err):
		hc.Detail = errRefused.Error()
	default:
		hc.Detail = "TLS handshake failed: " + err.Error()
	}
	return hc
}

// afterHandshake reads briefly, because a TLS 1.3 server refuses a client certificate after the
// client's handshake has completed, and that refusal is what the Edge's health looks like.
func (p *sipProbe) afterHandshake(ctx context.Context, hc Check, tc *tls.Conn) Check {
	version := tls.VersionName(tc.ConnectionState().Version)
	deadline := time.Now().Add(alertWait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = tc.SetReadDeadline(deadline)
	_, rerr := tc.Read(make([]byte, 1))
	hc.Status = OK
	if rerr != nil && sipstack.IsTLSAlert(rerr) {
		hc.Detail = p.refused(rerr)
		return hc
	}
	hc.Detail = fmt.Sprintf("%s handshake completed: presented %s, accepted %s", version, p.matched, p.id.clientDesc())
	return hc
}
