package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/edgesim/edgesim/edge"
)

// CallBody is what POST /api/calls takes: the call as `edgesim call` would place it. Durations are
// Go's ("10s"); an empty one is call's default.
type CallBody struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Timeout  string `json:"timeout,omitempty"`
	Duration string `json:"duration,omitempty"`
	IM       string `json:"im,omitempty"`
}

// Bounds of a call placed through the console: it holds an HTTP request open for its whole length.
const (
	defaultCallTimeout  = 10 * time.Second
	defaultCallDuration = 2 * time.Second
	maxCallTimeout      = 2 * time.Minute
	maxCallDuration     = time.Hour
	maxCallBody         = 64 << 10
)

// errNoCalls answers POST /api/calls on a console that places no calls (Options.Call unset).
var errNoCalls = errors.New("this console places no calls")

// apiCall places a call through the running Edge, so that one process holds every dialog (the far
// end's BYE on a new connection reaches the Edge that placed the call), and answers with the call's
// result as `edgesim call --json` prints it. Behind the console's token and Host checks, like every
// route; a browser page on another site cannot POST here (cross-origin protection).
func (s *Server) apiCall(w http.ResponseWriter, r *http.Request) {
	if s.o.Call == nil {
		http.Error(w, errNoCalls.Error(), http.StatusNotFound)
		return
	}
	var body CallBody
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxCallBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		http.Error(w, "the body is not a call: "+err.Error(), http.StatusBadRequest)
		return
	}
	req, err := s.callRequest(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// The call ends (the Edge hangs up) if the client goes away; never later than its own bounds.
	ctx, cancel := context.WithTimeout(r.Context(), req.Timeout+req.Duration+time.Minute)
	defer cancel()
	res := s.o.Call(ctx, req)
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(res)
}

// callRequest checks a call's body and fills call's defaults; the From defaults to the first
// edge.domains entry's Skype user, as `edgesim call` does.
func (s *Server) callRequest(b CallBody) (edge.CallRequest, error) {
	req := edge.CallRequest{From: b.From, To: b.To, IM: b.IM, Timeout: defaultCallTimeout, Duration: defaultCallDuration}
	if _, err := edge.ParseSIPURI(b.To); err != nil {
		return req, fmt.Errorf("to: %w", err)
	}
	if req.From == "" && s.o.Lab != nil {
		req.From = "sip:stejanss@" + s.o.Lab.Config.Edge.Domains[0]
	}
	if _, err := edge.ParseSIPURI(req.From); err != nil {
		return req, fmt.Errorf("from: %w", err)
	}
	var err error
	if req.Timeout, err = bounded("timeout", b.Timeout, defaultCallTimeout, time.Millisecond, maxCallTimeout); err != nil {
		return req, err
	}
	if req.Duration, err = bounded("duration", b.Duration, defaultCallDuration, 0, maxCallDuration); err != nil {
		return req, err
	}
	return req, nil
}

func bounded(name, v string, def, lo, hi time.Duration) (time.Duration, error) {
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	if d < lo || d > hi {
		return 0, fmt.Errorf("%s %s is outside %s to %s", name, d, lo, hi)
	}
	return d, nil
}
