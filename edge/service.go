package edge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/internal/rawio"
	"github.com/edgesim/edgesim/labdns"
	"github.com/edgesim/edgesim/sipstack"
)

// Service is the running Edge: the lab DNS server, the SIP listener and the policy between them.
type Service struct {
	lab       *Lab
	log       zerolog.Logger
	edgeLog   *LogWriter
	logFile   io.Closer
	sip       *sipstack.Server
	dns       *labdns.Server
	annotated bool
	now       func() time.Time
	onVerdict func(*sipstack.Request, policy.Verdict)
	rec       *Recorder // nil: recording off
}

// ServiceOptions are the seams tests and scenarios use; zero values mean "as configured".
type ServiceOptions struct {
	EdgeLog     io.Writer        // default: the lab's edge.log file
	EdgeLogOpts LogWriterOptions // header fields of Edge-log records
	Now         func() time.Time // the clock certificate validity is judged by
	// OnVerdict hears every decision on a request, with its trace; it runs on the request's goroutine,
	// so it must not block. A refusal inside the TLS handshake comes with a nil request.
	OnVerdict func(*sipstack.Request, policy.Verdict)
	// Recorder, when set, records every attempt and feeds the captures and metrics; the caller closes it.
	Recorder *Recorder
}

// NewService builds the Edge from a prepared lab; Start binds its sockets.
func NewService(lab *Lab, log zerolog.Logger, opts ServiceOptions) (*Service, error) {
	cfg := lab.Config
	s := &Service{lab: lab, log: log.With().Str("component", "edge").Logger(),
		annotated: cfg.Edge.Diagnostics == config.DiagnosticsAnnotated, now: opts.Now, onVerdict: opts.OnVerdict, rec: opts.Recorder}
	if s.now == nil {
		s.now = time.Now
	}
	w := opts.EdgeLog
	if w == nil {
		f, err := lab.OpenEdgeLog()
		if err != nil {
			return nil, err
		}
		w, s.logFile = rawio.FileWriter(f), f
	}
	lo := opts.EdgeLogOpts
	if lo.Machine == "" {
		lo.Machine = cfg.Edge.EdgeLog.Machine
	}
	s.edgeLog = NewLogWriter(w, lo)
	if opts.Now == nil {
		// A memoised verdict is only good for the real clock; an injected one is judged afresh.
		lab.Policy.Check = newCertMemo(time.Minute, 4096).Check
		lab.Policy.Explain = newExplainMemo(4096).Explain
	}
	sc := sipConfig(lab, s.log)
	if s.rec != nil {
		sc.Tap, sc.KeyLog = s.rec, s.rec.KeyLogWriter()
	}
	sc.Redial = (&Outbound{Lab: lab, Logger: s.log, Recorder: s.rec}).redialer(nil)
	srv, err := sipstack.NewServer(sc, s)
	if err != nil {
		s.closeLog()
		return nil, err
	}
	s.sip = srv
	return s, nil
}

// sipConfig is the SIP layer's share of the configuration.
func sipConfig(lab *Lab, log zerolog.Logger) sipstack.Config {
	e := lab.Config.Edge
	return sipstack.Config{
		Certificate:         lab.EdgeCert,
		RequireClientCert:   e.RequireClientCert,
		MinTLS:              lab.TLSMin,
		MaxTLS:              lab.TLSMax,
		CipherSuites:        lab.TLSSuites,
		RecordRoute:         true,
		Answer:              answerer(lab),
		HandshakeTimeout:    e.HandshakeTimeout,
		IdleTimeout:         e.IdleTimeout,
		MessageTimeout:      e.MessageTimeout,
		MaxMessageBytes:     e.MaxMessageBytes,
		MaxConnections:      e.MaxConnections,
		MaxConnectionsPerIP: e.MaxConnsPerIP,
		MaxTransactions:     e.MaxTransactions,
		ServerHeader:        e.ServerHeader,
		ContactHost:         e.FQDN,
		RTPPortLow:          lab.RTPLow,
		RTPPortHigh:         lab.RTPHigh,
		AnswerDelay:         e.AnswerDelay,
		HangupAfter:         e.HangupAfter,
		DialogIdleTimeout:   e.DialogIdle,
		DialogConnGrace:     e.DialogConnGrace,
		Logger:              log,
	}
}

// Start serves the lab DNS (unless dns.listen is "") and the SIP listener.
func (s *Service) Start() error {
	cfg := s.lab.Config
	if cfg.DNS.Listen != "" {
		s.dns = labdns.NewServer(s.lab.Zones, s.log.With().Str("component", "labdns").Logger())
		if err := s.dns.Start(cfg.DNS.Listen); err != nil {
			return fmt.Errorf("lab DNS on %s: %w", cfg.DNS.Listen, err)
		}
	}
	if err := s.sip.Listen(cfg.Edge.Listen); err != nil {
		if s.dns != nil {
			_ = s.dns.Close()
		}
		return err
	}
	return nil
}

// Outbound places calls as this Edge: its Edge log, recorder and listener, so that the far end's
// in-dialog requests on a new connection to the Edge reach the call (docs/edge-behaviour.md §7).
func (s *Service) Outbound() *Outbound {
	o := &Outbound{Lab: s.lab, EdgeLog: s.edgeLog, Logger: s.log, Recorder: s.rec, Listener: s.sip}
	if a, ok := s.sip.Addr().(*net.TCPAddr); ok {
		o.ListenPort = a.Port // the bound one, also when edge.listen asks for port 0
	}
	return o
}

// SIPAddr is the bound SIP/TLS address.
func (s *Service) SIPAddr() net.Addr { return s.sip.Addr() }

// DNSAddr is the bound lab DNS address, "" when disabled.
func (s *Service) DNSAddr() string {
	if s.dns == nil {
		return ""
	}
	return s.dns.Addr()
}

// Close stops the listeners; in-flight transactions get until ctx ends.
func (s *Service) Close(ctx context.Context) error {
	err := s.sip.Close(ctx)
	if s.dns != nil {
		err = errors.Join(err, s.dns.Close())
	}
	s.closeLog()
	return err
}

func (s *Service) closeLog() {
	if s.logFile != nil {
		_ = s.logFile.Close()
	}
}
