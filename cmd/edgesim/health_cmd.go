package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"
	"github.com/spf13/cobra"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/labdns"
)

// alertWait is how long health waits, after its handshake, for the Edge to refuse the client certificate:
// with TLS 1.3 that refusal comes after the client has finished its half of the handshake.
const alertWait = 300 * time.Millisecond

// Health check outcomes.
const (
	healthOK      = "ok"
	healthFail    = "fail"
	healthSkipped = "skipped"
)

// healthCheck is the outcome of one part of `edgesim health`.
type healthCheck struct {
	Check   string `json:"check"`   // sip or dns
	Address string `json:"address"` // the address dialled
	Status  string `json:"status"`  // ok, fail or skipped
	Detail  string `json:"detail"`
}

type healthReport struct {
	Healthy bool          `json:"healthy"`
	Checks  []healthCheck `json:"checks"`
}

func (a *app) healthCmd() *cobra.Command {
	var timeout time.Duration
	var asJSON bool
	c := &cobra.Command{
		Use:   "health",
		Short: "Check that a running Edge answers TLS on edge.listen and its lab DNS answers (exit 0 healthy, 1 unhealthy, 2 usage)",
		Long: `Check a running edgesim from the same configuration it was started with (the healthcheck of the
Docker image and of docker-compose.yml). It starts nothing and writes nothing.

sip: a TLS handshake to edge.listen (0.0.0.0 and :: are dialled on loopback). health presents the
Edge's own certificate and key (edge.cert_file/key_file, else <lab.dir>/edge.pem and edge.key) as its
client certificate when it can read them. The listener is healthy when it presents the Edge's
certificate (the same certificate as that file, or one chaining to <lab.dir>/ca.pem and naming
edge.fqdn) and then either completes the handshake or refuses the client certificate with a TLS alert:
a refusal is the Edge doing its job, so it proves the listener is alive. Anything else (nothing
listening, no TLS, another certificate, a silent peer) is unhealthy. No SIP is sent, so the check
leaves nothing in edge.log.

dns: an SOA query over UDP and then TCP to dns.listen, for the first of edge.domains that the lab
zones serve (else the first zone); the answer must be authoritative and hold the SOA. Skipped when
dns.listen is "".

--timeout bounds each of the two checks.`,
		Example: `  edgesim health
  edgesim health --config lab.yaml --timeout 2s
  edgesim health --json
  docker compose exec edgesim edgesim health`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if timeout <= 0 {
				return usageErr(fmt.Errorf("--timeout must be positive, got %s", timeout))
			}
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			sipAddr, err := dialAddress(cfg.Edge.Listen)
			if err != nil {
				return usageErr(fmt.Errorf("edge.listen: %w", err))
			}
			dnsAddr, domain := "", ""
			if cfg.DNS.Listen != "" {
				if dnsAddr, err = dialAddress(cfg.DNS.Listen); err != nil {
					return usageErr(fmt.Errorf("dns.listen: %w", err))
				}
				if domain, err = soaDomain(cfg); err != nil {
					return usageErr(err)
				}
			}
			rep := healthReport{Checks: []healthCheck{
				checkSIP(a.ctx, cfg, sipAddr, timeout),
				checkDNS(a.ctx, dnsAddr, domain, timeout),
			}}
			var failed []string
			for _, c := range rep.Checks {
				if c.Status == healthFail {
					failed = append(failed, c.Check)
				}
			}
			rep.Healthy = len(failed) == 0
			if asJSON {
				if err := writeJSON(a.stdout, rep); err != nil {
					return err
				}
			} else {
				for _, c := range rep.Checks {
					fmt.Fprintf(a.stdout, "%-4s %-8s %-22s %s\n", c.Check, strings.ToUpper(c.Status), c.Address, c.Detail)
				}
				if rep.Healthy {
					fmt.Fprintln(a.stdout, "healthy")
				}
			}
			if !rep.Healthy {
				return &exitError{exitFailed, fmt.Errorf("unhealthy: %s", strings.Join(failed, ", "))}
			}
			return nil
		},
	}
	c.Flags().DurationVar(&timeout, "timeout", 3*time.Second, "time allowed for each check")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return c
}

// dialAddress turns a listen address into one to dial: an unspecified host (all interfaces) is
// reached on loopback, which is also the only sure way in from inside a container.
func dialAddress(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("%q is not HOST:PORT", listen)
	}
	if port == "" || port == "0" {
		return "", fmt.Errorf("%q has no fixed port, so there is nothing to check", listen)
	}
	switch ip := net.ParseIP(host); {
	case host == "" || (ip != nil && ip.To4() != nil && ip.IsUnspecified()):
		host = "127.0.0.1"
	case ip != nil && ip.IsUnspecified():
		host = "::1"
	}
	return net.JoinHostPort(host, port), nil
}

// soaDomain picks the zone health asks the lab DNS about: the Edge's first SIP domain the lab
// serves, else the first served zone. It reads the zones as `run` does, without opening the lab.
func soaDomain(cfg config.Config) (string, error) {
	zones := cfg.DNS.Zones
	if len(zones) == 0 {
		zones = labdns.DefaultZones()
	}
	zs, err := labdns.ParseZones(zones)
	if err != nil {
		return "", fmt.Errorf("dns.zones: %w", err)
	}
	served := zs.Domains()
	for _, d := range cfg.Edge.Domains {
		d = certs.NormalizeFQDN(d)
		if slices.Contains(served, d) {
			return d, nil
		}
	}
	if len(served) == 0 {
		return "", errors.New("dns.zones: the lab DNS serves no zone")
	}
	return served[0], nil
}

// edgeIdentity is what health knows of the Edge's certificate from the lab directory.
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

// checkSIP performs the TLS handshake described in the command's help.
func checkSIP(ctx context.Context, cfg config.Config, addr string, timeout time.Duration) healthCheck {
	hc := healthCheck{Check: "sip", Address: addr, Status: healthFail}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	id := loadEdgeIdentity(cfg)
	minV, _ := config.TLSVersion(cfg.Edge.TLS.MinVersion)
	maxV, _ := config.TLSVersion(cfg.Edge.TLS.MaxVersion)
	var matched string
	var verifyErr error
	conf := &tls.Config{
		ServerName: cfg.Edge.FQDN,
		MinVersion: minV,
		MaxVersion: maxV,
		// The Edge's identity is checked in VerifyConnection against the lab's own files (tested in
		// health_cmd_test.go); the system roots have no say in a lab PKI.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			matched, verifyErr = id.verify(cs, cfg.Edge.FQDN)
			return verifyErr
		},
	}
	if id.client != nil {
		conf.Certificates = []tls.Certificate{*id.client}
	}
	d := tls.Dialer{NetDialer: &net.Dialer{}, Config: conf}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		switch {
		case verifyErr != nil:
			hc.Detail = verifyErr.Error()
		case matched != "" && isRemoteAlert(err):
			hc.Status = healthOK
			hc.Detail = fmt.Sprintf("alive: presented %s, then refused %s (%v), as the Edge does", matched, clientDesc(id), err)
		case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
			hc.Detail = fmt.Sprintf("no TLS handshake within %s: %v", timeout, err)
		case isRefused(err):
			hc.Detail = "nothing is listening (connection refused)"
		default:
			hc.Detail = "TLS handshake failed: " + err.Error()
		}
		return hc
	}
	defer conn.Close()
	tc := conn.(*tls.Conn)
	version := tls.VersionName(tc.ConnectionState().Version)
	// A TLS 1.3 server refuses a client certificate after the client's handshake has completed:
	// read briefly so that refusal is seen and reported.
	deadline := time.Now().Add(alertWait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = tc.SetReadDeadline(deadline)
	_, rerr := tc.Read(make([]byte, 1))
	hc.Status = healthOK
	if rerr != nil && isRemoteAlert(rerr) {
		hc.Detail = fmt.Sprintf("alive: presented %s, then refused %s (%v), as the Edge does", matched, clientDesc(id), rerr)
		return hc
	}
	hc.Detail = fmt.Sprintf("%s handshake completed: presented %s, accepted %s", version, matched, clientDesc(id))
	return hc
}

func clientDesc(id edgeIdentity) string {
	if id.client == nil {
		return "no client certificate (" + id.clientNo + ")"
	}
	return fmt.Sprintf("client certificate %q", certs.PresentedName(id.client.Leaf))
}

// isRemoteAlert reports a TLS alert sent by the server, as crypto/tls reports it.
func isRemoteAlert(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "remote error"
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isRefused reports nothing listening: ECONNREFUSED (TCP dial, or an ICMP port unreachable read back
// on a connected UDP socket), or Windows' WSAECONNREFUSED by its message.
func isRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "actively refused")
}

// checkDNS asks the lab DNS at addr for domain's SOA over UDP, then TCP; "" addr means disabled.
func checkDNS(ctx context.Context, addr, domain string, timeout time.Duration) healthCheck {
	if addr == "" {
		return healthCheck{Check: "dns", Address: "-", Status: healthSkipped, Detail: `dns.listen is "": the lab DNS is disabled`}
	}
	hc := healthCheck{Check: "dns", Address: addr, Status: healthFail}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var serial uint32
	for _, network := range []string{"udp", "tcp"} {
		q := new(dns.Msg).SetQuestion(dns.Fqdn(domain), dns.TypeSOA)
		q.RecursionDesired = false
		c := &dns.Client{Net: network}
		resp, _, err := c.ExchangeContext(ctx, q, addr)
		if err != nil {
			reason := err.Error()
			if isRefused(err) {
				reason = "nothing is listening (connection refused)"
			}
			hc.Detail = fmt.Sprintf("SOA %s over %s: %s", domain, strings.ToUpper(network), reason)
			return hc
		}
		var soa *dns.SOA
		for _, rr := range resp.Answer {
			if s, ok := rr.(*dns.SOA); ok && strings.EqualFold(s.Hdr.Name, dns.Fqdn(domain)) {
				soa = s
			}
		}
		if resp.Rcode != dns.RcodeSuccess || !resp.Authoritative || soa == nil {
			hc.Detail = fmt.Sprintf("SOA %s over %s: answer %s, authoritative %t, %d answer records: not the lab DNS serving %s",
				domain, strings.ToUpper(network), dns.RcodeToString[resp.Rcode], resp.Authoritative, len(resp.Answer), domain)
			return hc
		}
		serial = soa.Serial
	}
	hc.Status = healthOK
	hc.Detail = fmt.Sprintf("SOA %s (serial %d) answered authoritatively over UDP and TCP", domain, serial)
	return hc
}
