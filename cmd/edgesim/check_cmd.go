package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/edgesim/edgesim/edge"
)

func (a *app) checkCmd() *cobra.Command {
	var (
		timeout time.Duration
		asJSON  bool
		pcapng  string
	)
	c := &cobra.Command{
		Use:   "check DOMAIN",
		Short: "Run the Edge's outbound DNS, TLS and certificate rules against a domain without a call (exit 0 pass, 1 fail)",
		Long: `Check a federated domain the way the Edge does before it sends an INVITE there, rule by rule:
federation lists, the _sipfederationtls._tcp SRV record, the rule that its target lies directly in the
domain, A/AAAA, TCP, the TLS handshake with the Edge's certificate presented, and the server
certificate's name, trust, validity, usage (EKU), signature algorithm, key and chain as sent. WARN lines
(exit 0) name what works today but is fragile: expiry within 30 days, a chain that validates only thanks
to the Edge's store, an 8192-bit key, a certificate without clientAuth (calls from the domain to the
Edge then fail in the TLS handshake). The handshake is closed as soon as the certificate is judged;
no SIP message is sent and nothing is written to the Edge log. A failing rule shows the exact
ms-diagnostics line the Edge would produce. Point it at a real Expressway-E before placing calls.`,
		Example: `  edgesim check acano.steven.lab
  edgesim check cms.steven.lab --json
  EDGESIM_DNS_RESOLVER=10.0.0.53:53 edgesim check partner.example.com --timeout 5s`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(_ *cobra.Command, argv []string) error { return a.runCheck(argv[0], timeout, asJSON, pcapng) },
	}
	c.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "bound on DNS, connect and TLS together")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON report object")
	c.Flags().StringVar(&pcapng, "pcapng", "", pcapngFlagHelp)
	return c
}

// runCheck runs the Edge's outbound rules against the domain arg names.
func (a *app) runCheck(arg string, timeout time.Duration, asJSON bool, pcapng string) error {
	domain, err := parseDomain(arg)
	if err != nil {
		return usageErr(err)
	}
	if timeout <= 0 {
		return usageErr(fmt.Errorf("--timeout must be positive"))
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	lab, log, err := a.openLab(cfg)
	if err != nil {
		return err
	}
	rec, err := openAttemptCapture(pcapng, log)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(a.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rep := (&edge.Outbound{Lab: lab, Logger: log, Recorder: rec}).Check(ctx, domain, time.Now(), nil)
	if asJSON {
		if err := writeJSON(a.stdout, rep); err != nil {
			return err
		}
	} else {
		a.printCheck(rep, cfg.Edge.FQDN)
	}
	if err := a.closeAttemptCapture(rec, pcapng, asJSON); err != nil {
		return err
	}
	if !rep.Pass {
		return errFailed
	}
	return nil
}

// parseDomain accepts a bare domain or a SIP URI naming one.
func parseDomain(s string) (string, error) {
	in := s
	if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(s)), "sip") {
		s = "sip:" + strings.TrimSpace(s)
	}
	u, err := edge.ParseSIPURI(s)
	if err != nil {
		return "", fmt.Errorf("%q is not a domain: %w", in, errors.Unwrap(err))
	}
	return u.Host, nil
}

func (a *app) printCheck(rep edge.CheckReport, edgeFQDN string) {
	w := a.stdout
	fmt.Fprintf(w, "Edge %s checking %s\n", edgeFQDN, rep.Domain)
	for _, r := range rep.Rules {
		fmt.Fprintf(w, "  %-4s  %s\n        %s\n", r.Result, r.Name, r.Detail)
		if strings.HasPrefix(r.Name, "TLS handshake") {
			for _, s := range rep.Steps {
				if s.Kind == edge.StepTLS {
					for _, d := range s.Detail {
						fmt.Fprintf(w, "        %s\n", d)
					}
				}
			}
		}
		if r.Diagnostic != "" {
			fmt.Fprintf(w, "        %s\n", r.Diagnostic)
		}
	}
	for _, warn := range rep.Warnings {
		fmt.Fprintf(w, "  WARN  %s\n", warn)
	}
	if rep.Pass {
		fmt.Fprintf(w, "\nPASS: the Edge would send the INVITE to %s (%s, certificate %s)\n", rep.Target, rep.PeerAddr, rep.PeerServer)
		return
	}
	fmt.Fprintf(w, "\nFAIL: the Edge would refuse calls to %s:\n%s\n", rep.Domain, rep.Diagnostic)
}
