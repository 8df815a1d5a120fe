// Package console is the Edge console: a browser view of every attempt the Edge records, its SIP
// ladder and the rules that decided it, the lab's zones and certificates, and the scenario library.
// It reads the attempt record only (record.Ring); nothing it does can reach the Edge's policy, and
// a slow tab costs its own dropped rows, never a stalled call.
package console

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/record"
	"github.com/edgesim/edgesim/scenarios"
)

//go:embed web
var webFS embed.FS

// cookieName carries the token after a ?token= visit, so links need not repeat it.
const cookieName = "edgesim_console"

// nowFunc is the clock the lab page judges expiry by.
var nowFunc = time.Now

// Options are what the console shows and how it is reached.
type Options struct {
	Ring    *record.Ring // the attempts; required
	Lab     *edge.Lab    // the zones, certificates and CA shown on /lab; nil: /lab says so
	SIPAddr string       // where the Edge listens, for /lab and for playing scenarios
	DNSAddr string       // where the lab DNS answers, "" when it is off
	Library []*scenarios.Scenario
	// Play, when set, plays a scenario against the running Edge and returns the Call-ID its
	// attempt carries; nil hides the buttons.
	Play func(context.Context, *scenarios.Scenario) (callID string, err error)
	// Call, when set, places a call through the running Edge for POST /api/calls; nil: 404 there.
	Call func(context.Context, edge.CallRequest) edge.CallResult
	// Token, when set, is required on every request: a bearer token, or ?token= once, then a cookie.
	Token string
	// ClientQueue bounds the attempts queued for one /events client; 0: record.DefaultSubscriberQueue.
	ClientQueue int
	Logger      zerolog.Logger
}

// Server is the console's HTTP handler.
type Server struct {
	o    Options
	tmpl *template.Template
	mux  *http.ServeMux
}

// New builds the console; it serves nothing until its Handler is given to an http.Server.
func New(o Options) (*Server, error) {
	if o.Ring == nil {
		return nil, errors.New("console: no attempt ring")
	}
	t, err := template.New("").Funcs(funcs).ParseFS(webFS, "web/*.html")
	if err != nil {
		return nil, fmt.Errorf("console templates: %w", err)
	}
	s := &Server{o: o, tmpl: t, mux: http.NewServeMux()}
	static, _ := fs.Sub(webFS, "web/static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /{$}", s.index)
	s.mux.HandleFunc("GET /events", s.events)
	s.mux.HandleFunc("GET /attempts/{id}", s.attempt)
	s.mux.HandleFunc("GET /attempts/{id}/ladder.svg", s.ladderSVG)
	s.mux.HandleFunc("GET /attempts/{id}/attempt.pcapng", s.pcapng)
	s.mux.HandleFunc("GET /api/attempts", s.apiList)
	s.mux.HandleFunc("GET /api/attempts/{id}", s.apiOne)
	s.mux.HandleFunc("GET /lab", s.lab)
	s.mux.HandleFunc("GET /lab/ca.pem", s.caPEM)
	s.mux.HandleFunc("GET /scenarios", s.scenarioList)
	s.mux.HandleFunc("POST /scenarios/{name}/play", s.play)
	s.mux.HandleFunc("POST /api/calls", s.apiCall)
	return s, nil
}

// Handler is the console with its token check (when a token is set) and its security headers.
func (s *Server) Handler() http.Handler {
	// A page on another site must not make the browser play scenarios or place calls here (the POSTs).
	cop := http.NewCrossOriginProtection().Handler(s.mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// Everything is served from here: no CDN, no inline script, no framing by other sites.
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if s.o.Token == "" && !config.LoopbackListen(r.Host) && !config.LoopbackListen(r.Host+":0") {
			// Without a token the console trusts loopback only; a Host that is not loopback is a
			// rebound DNS name pointing a remote page at this port.
			http.Error(w, "the console answers loopback names only without console.token", http.StatusMisdirectedRequest)
			return
		}
		if s.o.Token != "" && !s.authorized(w, r) {
			if w.Header().Get("Location") == "" {
				http.Error(w, "console.token required: send Authorization: Bearer TOKEN or open /?token=TOKEN once", http.StatusUnauthorized)
			}
			return
		}
		cop.ServeHTTP(w, r)
	})
}

// authorized accepts the bearer token, the cookie, or ?token= (which sets the cookie and redirects
// to the same page without the token, so it does not linger in the address bar or history).
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && s.tokenIs(v) {
		return true
	}
	if c, err := r.Cookie(cookieName); err == nil && s.tokenIs(c.Value) {
		return true
	}
	q := r.URL.Query()
	if !s.tokenIs(q.Get("token")) {
		return false
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: s.o.Token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	q.Del("token")
	u := *r.URL
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
	return false // answered: the redirect
}

func (s *Server) tokenIs(v string) bool {
	return v != "" && subtle.ConstantTimeCompare([]byte(v), []byte(s.o.Token)) == 1
}

// Serve answers on ln until ctx ends, then shuts down (open /events streams end with it).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: s.Handler(), BaseContext: func(net.Listener) context.Context { return ctx },
		ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = hs.Close()
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("console: %w", err)
	}
	return nil
}
