package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/edgesim/edgesim/edge/health"
)

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

metrics: only when metrics.listen is set, a GET of /metrics there (with metrics.token as the bearer
token); healthy when it answers 200 with edgesim_build_info.

--timeout bounds each check.`,
		Example: `  edgesim health
  edgesim health --config lab.yaml --timeout 2s
  edgesim health --json
  docker compose exec edgesim edgesim health`,
		Args: args(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error { return a.runHealth(timeout, asJSON) },
	}
	c.Flags().DurationVar(&timeout, "timeout", 3*time.Second, "time allowed for each check")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return c
}

func (a *app) runHealth(timeout time.Duration, asJSON bool) error {
	if timeout <= 0 {
		return usageErr(fmt.Errorf("--timeout must be positive, got %s", timeout))
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	rep, err := health.Probe(a.ctx, cfg, timeout)
	if err != nil {
		return usageErr(err)
	}
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
		return &exitError{exitFailed, fmt.Errorf("unhealthy: %s", strings.Join(rep.Failed(), ", "))}
	}
	return nil
}
