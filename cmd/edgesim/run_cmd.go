package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/internal/gctune"
	"github.com/edgesim/edgesim/scenarios"
)

// shutdownGrace bounds how long in-flight transactions may take to finish on SIGINT/SIGTERM.
const shutdownGrace = 5 * time.Second

func (a *app) runCmd() *cobra.Command {
	var scenarioArg string
	var rf recordFlags
	var c *cobra.Command
	c = &cobra.Command{
		Use:   "run",
		Short: "Serve the Edge (SIP over mutual TLS) and the lab DNS until stopped",
		Long: `Serve the emulated Edge and its lab DNS. With no configuration this is the seed's lab on loopback:
the Edge sip.skype.lab on 127.0.0.1:5061 and the lab DNS on 127.0.0.1:5353, serving skype.lab, steven.lab,
acano.steven.lab and cms.steven.lab, correctly configured. The lab CA and the Edge certificate are created
in ./edgesim-lab on first run and reused after. SIGINT or SIGTERM stops it gracefully.`,
		Example: `  edgesim run
  edgesim run --config lab.yaml
  edgesim run --scenario cert-missing-srv-fqdn-inbound
  edgesim run --capture-pcapng edge.pcapng --record-jsonl attempts.jsonl --metrics-listen 9464
  edgesim run --capture-hep udp:127.0.0.1:9060     # sngrep -L udp:127.0.0.1:9060 shows every message
  EDGESIM_EDGE_LISTEN=0.0.0.0:5061 EDGESIM_DNS_LISTEN=0.0.0.0:5353 edgesim run`,
		Args: args(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error { return a.runEdge(c, &rf, scenarioArg) },
	}
	rf.register(c)
	c.Flags().StringVar(&scenarioArg, "scenario", "", "serve the Edge as this scenario sets it up (a library name or a scenario file) and print what to create on the Expressway-E")
	return c
}

// runEdge serves the Edge until a signal or the end of a.ctx; scenarioArg, when set, is what
// --scenario names.
func (a *app) runEdge(c *cobra.Command, rf *recordFlags, scenarioArg string) error {
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	if err := rf.apply(c, &cfg); err != nil {
		return err
	}
	var sv *scenarios.Served
	if scenarioArg != "" {
		if sv, err = prepareScenarioRun(scenarioArg, cfg); err != nil {
			return err
		}
		cfg = sv.Config
	}
	lab, log, err := a.openLab(cfg)
	if err != nil {
		return err
	}
	gcCtx, stopGC := context.WithCancel(a.ctx)
	defer stopGC()
	gctune.Run(gcCtx) // a long-running Edge: fewer collections over its small heap (internal/gctune)
	rec, err := edge.OpenRecording(cfg, readVersionInfo().Version, log)
	if err != nil {
		return usageErr(err)
	}
	defer a.closeRecording(rec)
	svc, err := edge.NewService(lab, log, edge.ServiceOptions{Recorder: rec.Recorder})
	if err != nil {
		return usageErr(err)
	}
	if err := svc.Start(); err != nil {
		return &exitError{exitFailed, err}
	}
	a.printBanner(lab, svc, rec)
	return a.serveUntilSignalled(lab, svc, rec, log, func() {
		if sv != nil {
			a.printScenarioServe(scenarioArg, sv, lab, svc)
		}
	})
}

// serveUntilSignalled starts the console, then waits for SIGINT or SIGTERM and stops the Edge gracefully.
func (a *app) serveUntilSignalled(lab *edge.Lab, svc *edge.Service, rec *edge.Recording, log zerolog.Logger, ready func()) error {
	ctx, stop := signal.NotifyContext(a.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := a.startConsole(ctx, lab, svc, rec.Recorder, log); err != nil {
		return errors.Join(err, svc.Close(context.Background()))
	}
	ready()
	<-ctx.Done()
	log.Info().Msg("stopping")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	return svc.Close(sctx)
}

// closeRecording flushes the outputs once the Edge has stopped, so every file ends whole.
func (a *app) closeRecording(rec *edge.Recording) {
	if err := rec.Close(); err != nil {
		fmt.Fprintf(a.stderr, "edgesim: closing the record: %v\n", err)
	}
}

func (a *app) printBanner(lab *edge.Lab, svc *edge.Service, rec *edge.Recording) {
	cfg := lab.Config
	w := a.stdout
	fmt.Fprintf(w, "edgesim: Edge %s serving %v\n", cfg.Edge.FQDN, cfg.Edge.Domains)
	fmt.Fprintf(w, "  SIP/TLS (mutual):   %s  (client certificate %s)\n", svc.SIPAddr(), map[bool]string{true: "required", false: "requested"}[cfg.Edge.RequireClientCert])
	if addr := svc.DNSAddr(); addr != "" {
		fmt.Fprintf(w, "  lab DNS (UDP+TCP):  %s\n", addr)
	} else {
		fmt.Fprintf(w, "  lab DNS:            disabled (dns.listen is empty)\n")
	}
	fmt.Fprintf(w, "  resolver:           %s\n", cfg.DNS.Resolver)
	fmt.Fprintf(w, "  diagnostics:        %s    trust profile: %s\n", cfg.Edge.Diagnostics, cfg.Edge.Trust.Profile)
	fmt.Fprintf(w, "  TLS profile:        %s (%s to %s, both directions)    client profile: %s\n", lab.Config.Edge.TLS.Profile,
		tls.VersionName(lab.TLSMin), tls.VersionName(lab.TLSMax), lab.Profile)
	fmt.Fprintf(w, "  Edge certificate:   %s\n    SHA-256 %s\n", lab.EdgeCertFile, certs.Fingerprint(lab.EdgeCert.Leaf))
	fmt.Fprintf(w, "  CA to import on the Expressway (trusted CA list): %s\n", lab.CA.CertFile)
	fmt.Fprintf(w, "  Edge log:           %s\n", lab.EdgeLogFile)
	for i, line := range rec.Describe() {
		fmt.Fprintf(w, "  %-19s %s\n", map[bool]string{true: "recording:"}[i == 0], line)
	}
	fmt.Fprintf(w, "  records served:\n")
	for _, rr := range lab.Zones.Records() {
		fmt.Fprintf(w, "    %s\n", rr.String())
	}
}
