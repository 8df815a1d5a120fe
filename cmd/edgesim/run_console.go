package main

import (
	"context"
	"fmt"
	"net"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/console"
	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/scenarios"
)

// startConsole listens on console.listen and serves the console until ctx ends; it prints the
// console's line of the banner. Off (console.listen "") it prints that and does nothing else.
func (a *app) startConsole(ctx context.Context, lab *edge.Lab, svc *edge.Service, rec *edge.Recorder, log zerolog.Logger) error {
	c := lab.Config.Console
	if c.Listen == "" || rec == nil {
		fmt.Fprintf(a.stdout, "  console:            %s\n", c)
		return nil
	}
	lib, err := scenarios.Library()
	if err != nil {
		return err
	}
	srv, err := console.New(console.Options{Ring: rec.Ring(), Lab: lab, SIPAddr: svc.SIPAddr().String(), DNSAddr: svc.DNSAddr(),
		Library: lib, Play: console.InboundPlayer(lab, svc.SIPAddr().String(), log), Token: c.Token, Logger: log,
		Call: func(ctx context.Context, req edge.CallRequest) edge.CallResult {
			return svc.Outbound().Call(ctx, req, nil)
		}})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return &exitError{exitFailed, fmt.Errorf("console.listen: %w", err)}
	}
	url := "http://" + ln.Addr().String() + "/"
	if c.Token != "" {
		fmt.Fprintf(a.stdout, "  console:            %s  (console.token required: open %s?token=TOKEN once, or send Authorization: Bearer TOKEN)\n", url, url)
	} else {
		fmt.Fprintf(a.stdout, "  console:            %s\n", url)
	}
	go func() {
		if err := srv.Serve(ctx, ln); err != nil {
			log.Error().Err(err).Msg("console stopped")
		}
	}()
	return nil
}
