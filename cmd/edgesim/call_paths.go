package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/console"
	"github.com/edgesim/edgesim/edge"
)

// placeCall places the call where the far end's in-dialog requests can reach it, as one Edge holds
// every dialog (docs/edge-behaviour.md §7): on a listener of its own on edge.listen for the length
// of the call, or, when an `edgesim run` already holds edge.listen, through that Edge's console.
func (a *app) placeCall(ctx context.Context, lab *edge.Lab, log zerolog.Logger, rec *edge.Recorder, req edge.CallRequest,
	fl callFlags, events func(edge.Step)) (edge.CallResult, error) {
	svc, err := listenForCall(lab, log, rec)
	switch {
	case err == nil:
		defer closeCallListener(svc, log)
		a.note(fl.asJSON, "  listening on %s (edge.listen) for the far end's in-dialog requests until the call ends\n", svc.SIPAddr())
		return svc.Outbound().Call(ctx, req, events), nil
	case errors.Is(err, syscall.EADDRINUSE):
		return a.callThroughConsole(ctx, lab.Config, req, fl, events)
	}
	return edge.CallResult{}, &exitError{exitFailed, fmt.Errorf("edge.listen: %w", err)}
}

// listenForCall serves the Edge's SIP listener (not the lab DNS: the call resolves in-process or
// through dns.resolver) with the recorder of --pcapng, so its connections are captured too.
func listenForCall(lab *edge.Lab, log zerolog.Logger, rec *edge.Recorder) (*edge.Service, error) {
	lab.Config.DNS.Listen = ""
	svc, err := edge.NewService(lab, log, edge.ServiceOptions{Recorder: rec})
	if err != nil {
		return nil, err
	}
	if err := svc.Start(); err != nil {
		_ = svc.Close(context.Background())
		return nil, err
	}
	return svc, nil
}

func closeCallListener(svc *edge.Service, log zerolog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := svc.Close(ctx); err != nil {
		log.Warn().Err(err).Msg("closing the call's listener")
	}
}

// note tells the reader which path the call took: on standard output with the steps, on standard
// error under --json, whose output stays one JSON object.
func (a *app) note(asJSON bool, format string, args ...any) {
	w := a.stdout
	if asJSON {
		w = a.stderr
	}
	fmt.Fprintf(w, format, args...)
}

// maxCallAnswer bounds the console's answer: one call's result.
const maxCallAnswer = 4 << 20

// callThroughConsole asks the Edge already serving edge.listen to place the call (POST /api/calls
// on console.listen, with console.token when one is set) and returns the result it placed.
func (a *app) callThroughConsole(ctx context.Context, cfg config.Config, req edge.CallRequest, fl callFlags,
	events func(edge.Step)) (edge.CallResult, error) {
	held := cfg.Edge.Listen
	if cfg.Console.Listen == "" {
		return edge.CallResult{}, &exitError{exitFailed, fmt.Errorf("edge.listen %s is held by another process and console.listen is empty: "+
			"no way to place the call through it; stop it, or give this call another edge.listen", held)}
	}
	if fl.pcapng != "" {
		return edge.CallResult{}, usageErr(fmt.Errorf("--pcapng: edge.listen %s is held by a running Edge, which places the call; "+
			"capture there (edgesim run --capture-pcapng FILE, or the console's attempt.pcapng)", held))
	}
	url := "http://" + consoleAddr(cfg.Console.Listen) + "/api/calls"
	a.note(fl.asJSON, "  edge.listen %s is held by a running Edge: placing the call through its console, %s\n", held, url)
	body, err := json.Marshal(console.CallBody{From: req.From, To: req.To, Timeout: req.Timeout.String(), Duration: req.Duration.String(), IM: req.IM})
	if err != nil {
		return edge.CallResult{}, err
	}
	hctx, cancel := context.WithTimeout(ctx, req.Timeout+req.Duration+2*time.Minute)
	defer cancel()
	hr, err := http.NewRequestWithContext(hctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return edge.CallResult{}, err
	}
	hr.Header.Set("Content-Type", "application/json")
	if cfg.Console.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+cfg.Console.Token)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return edge.CallResult{}, &exitError{exitFailed, fmt.Errorf("edge.listen %s is held by another process, and no console answers at %s: %w", held, url, err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxCallAnswer))
	if err != nil {
		return edge.CallResult{}, &exitError{exitFailed, fmt.Errorf("the console at %s: %w", url, err)}
	}
	if resp.StatusCode != http.StatusOK {
		return edge.CallResult{}, &exitError{exitFailed, fmt.Errorf("the console at %s answered %s: %s", url, resp.Status, bytes.TrimSpace(data))}
	}
	var res edge.CallResult
	if err := json.Unmarshal(data, &res); err != nil {
		return edge.CallResult{}, &exitError{exitFailed, fmt.Errorf("the console at %s answered no call result: %w", url, err)}
	}
	for _, s := range res.Steps {
		if events != nil {
			events(s)
		}
	}
	return res, nil
}

// consoleAddr is console.listen as a client reaches it: an unspecified host is this machine's loopback.
func consoleAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return net.JoinHostPort(host, port)
}
