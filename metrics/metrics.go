// Package metrics is the Edge's Prometheus registry and its /metrics handler. It is fed by the Edge
// and never feeds the policy. No label carries a Call-ID, a user or an address: only bounded values.
package metrics

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Edge's counters.
type Metrics struct {
	Registry      *prometheus.Registry
	Attempts      *prometheus.CounterVec // direction, method, outcome, ms_diagnostics
	Responses     *prometheus.CounterVec // direction, method, status_code
	Handshakes    *prometheus.CounterVec // direction, result, version
	HandshakeTime prometheus.Histogram
	DNSQueries    *prometheus.CounterVec // qtype, rcode
	CallsActive   prometheus.Gauge
	Dropped       *prometheus.CounterVec // output: what a slow or failing consumer cost
}

// New builds the registry; version is edgesim's.
func New(version string) *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.Attempts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgesim_attempts_total",
		Help: "Federation attempts, by direction, method, outcome and ms-diagnostics code."}, []string{"direction", "method", "outcome", "ms_diagnostics"})
	m.Responses = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgesim_sip_responses_total",
		Help: "SIP responses on federation connections, by the attempt's direction, the CSeq method and the status code."}, []string{"direction", "method", "status_code"})
	m.Handshakes = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgesim_tls_handshakes_total",
		Help: "TLS handshakes, by direction, result (ok or failed) and negotiated version."}, []string{"direction", "result", "version"})
	m.HandshakeTime = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "edgesim_tls_handshake_duration_seconds",
		Help: "Time the TLS handshakes took.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)})
	m.DNSQueries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgesim_dns_queries_total",
		Help: "DNS lookups the Edge made, by type and rcode."}, []string{"qtype", "rcode"})
	m.CallsActive = prometheus.NewGauge(prometheus.GaugeOpts{Name: "edgesim_calls_active", Help: "Answered calls not yet ended."})
	m.Dropped = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgesim_record_dropped_total",
		Help: "Recording events or outputs dropped rather than waited for, by output."}, []string{"output"})
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "edgesim_build_info", Help: "edgesim's version and Go version."}, []string{"version", "goversion"})
	build.WithLabelValues(version, runtime.Version()).Set(1)
	m.Registry.MustRegister(m.Attempts, m.Responses, m.Handshakes, m.HandshakeTime, m.DNSQueries, m.CallsActive, m.Dropped, build,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// Handler serves /metrics; a non-empty token is required as "Authorization: Bearer TOKEN".
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="edgesim"`)
			http.Error(w, "a metrics token is required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// ErrTokenRequired refuses to serve metrics beyond loopback without a token.
var ErrTokenRequired = errors.New("metrics: listening beyond loopback needs metrics.token")

// CheckListen refuses a non-loopback address without a token. A bare ":PORT" or an empty host
// listens everywhere, so it needs one too.
func CheckListen(addr, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("metrics: listen %q: %w", addr, err)
	}
	if token != "" {
		return nil
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return ErrTokenRequired
}

// Server serves /metrics on its own listener.
type Server struct {
	ln  net.Listener
	srv *http.Server
}

// Serve binds addr and serves /metrics in the background.
func Serve(addr, token string, m *Metrics) (*Server, error) {
	if err := CheckListen(addr, token); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler(token))
	s := &Server{ln: ln, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Addr is the bound address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops serving.
func (s *Server) Close() error { return s.srv.Close() }
