package labdns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/miekg/dns"
	"github.com/rs/zerolog"
)

const (
	// advertisedUDPSize is what we offer in EDNS0 replies: the DNS flag day
	// 2020 size, which avoids IP fragmentation on any path.
	advertisedUDPSize = 1232
	shutdownTimeout   = 2 * time.Second
	// bindAttempts: with port 0 the kernel picks a UDP port whose TCP twin
	// may be taken; another pick usually succeeds.
	bindAttempts = 5
)

// Server answers queries for a ZoneSet over UDP and TCP on one port.
type Server struct {
	zones *ZoneSet
	log   zerolog.Logger

	mu      sync.Mutex
	udp     *dns.Server
	tcp     *dns.Server
	addr    string
	served  sync.WaitGroup
	closed  bool
	queries atomic.Uint64 // every query handled; lets tests see cache hits
}

// NewServer returns a server for zones; it listens only once Start is called.
func NewServer(zones *ZoneSet, log zerolog.Logger) *Server {
	return &Server{zones: zones, log: log.With().Str("component", "labdns").Logger()}
}

// Start binds UDP and TCP on addr (the same port for both, so one "ip:port"
// names the server) and serves until Close. It returns once both listeners
// accept queries.
func (s *Server) Start(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.udp != nil || s.closed {
		return errors.New("labdns: server already started")
	}
	pc, ln, err := listenPair(addr)
	if err != nil {
		return err
	}
	handler := dns.HandlerFunc(s.serveDNS)
	udpReady, tcpReady := make(chan struct{}), make(chan struct{})
	s.udp = &dns.Server{PacketConn: pc, Handler: handler, NotifyStartedFunc: func() { close(udpReady) }}
	s.tcp = &dns.Server{Listener: ln, Handler: handler, NotifyStartedFunc: func() { close(tcpReady) }}
	s.addr = pc.LocalAddr().String()

	failed := make(chan error, 2)
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		s.served.Add(1)
		go func() {
			defer s.served.Done()
			if err := srv.ActivateAndServe(); err != nil {
				failed <- err
			}
		}()
	}
	for _, ready := range []chan struct{}{udpReady, tcpReady} {
		select {
		case <-ready:
		case err := <-failed:
			_ = s.shutdownLocked() // the half that never started adds only "not started"
			pc.Close()
			ln.Close()
			addr := s.addr
			s.udp, s.tcp, s.addr = nil, nil, ""
			return fmt.Errorf("labdns: serve %s: %w", addr, err)
		}
	}
	s.log.Info().Str("addr", s.addr).Strs("zones", s.zones.Domains()).Msg("lab dns serving")
	return nil
}

// listenPair binds UDP first, then TCP on the port UDP got.
func listenPair(addr string) (net.PacketConn, net.Listener, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("labdns: listen address %q: %w", addr, err)
	}
	anyPort := port == "" || port == "0"
	for attempt := 1; ; attempt++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("labdns: listen udp %s: %w", addr, err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		if !anyPort || !errors.Is(err, syscall.EADDRINUSE) || attempt == bindAttempts {
			return nil, nil, fmt.Errorf("labdns: listen tcp %s: %w", pc.LocalAddr(), err)
		}
	}
}

// Addr returns the bound "ip:port", the same for UDP and TCP; "" before Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Close stops both listeners, waiting at most a couple of seconds for
// queries in flight. Closing a server that never started is not an error.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.udp == nil {
		return nil
	}
	return s.shutdownLocked()
}

func (s *Server) shutdownLocked() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	var errs []error
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		if err := srv.ShutdownContext(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	done := make(chan struct{})
	go func() { s.served.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, ctx.Err())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("labdns: shutdown %s: %w", s.addr, err)
	}
	return nil
}

func (s *Server) serveDNS(w dns.ResponseWriter, req *dns.Msg) {
	s.queries.Add(1)
	_, udp := w.RemoteAddr().(*net.UDPAddr)
	resp := s.reply(req, udp)
	if resp == nil {
		return
	}
	if err := w.WriteMsg(resp); err != nil {
		s.log.Debug().Err(err).Str("remote", w.RemoteAddr().String()).Msg("dns reply not sent")
	}
	ev := s.log.Debug()
	if ev.Enabled() {
		name, qtype := "", ""
		if len(req.Question) > 0 {
			name, qtype = req.Question[0].Name, typeString(req.Question[0].Qtype)
		}
		ev.Str("name", name).Str("type", qtype).Str("rcode", dns.RcodeToString[resp.Rcode]).
			Str("remote", w.RemoteAddr().String()).Bool("udp", udp).Bool("tc", resp.Truncated).
			Int("answers", len(resp.Answer)).Msg("dns query")
	}
}

// reply builds the response to req; nil means send nothing.
func (s *Server) reply(req *dns.Msg, udp bool) *dns.Msg {
	if req.Response {
		return nil // never answer answers: that is how reflection loops start
	}
	if req.Opcode != dns.OpcodeQuery {
		return new(dns.Msg).SetRcode(req, dns.RcodeNotImplemented)
	}
	if len(req.Question) != 1 {
		return new(dns.Msg).SetRcode(req, dns.RcodeFormatError)
	}
	// RFC 6891 §6.1.3: a server that speaks only EDNS version 0 answers a higher version with
	// BADVERS (an extended RCODE, so it needs an OPT record) and its own version, 0, and no data.
	if opt := req.IsEdns0(); opt != nil && opt.Version() != 0 {
		resp := new(dns.Msg).SetRcode(req, dns.RcodeBadVers)
		resp.SetEdns0(advertisedUDPSize, false)
		return resp
	}
	resp := s.zones.Answer(req.Question[0])
	resp.Id = req.Id
	resp.Opcode = req.Opcode
	resp.RecursionDesired = req.RecursionDesired
	resp.CheckingDisabled = req.CheckingDisabled
	resp.Question = req.Question // echo the client's spelling (0x20 case randomisation)

	size := dns.MinMsgSize
	if opt := req.IsEdns0(); opt != nil {
		size = max(int(opt.UDPSize()), dns.MinMsgSize)
		resp.SetEdns0(advertisedUDPSize, false)
	}
	if udp {
		resp.Truncate(size)
	} else {
		resp.Compress = true
	}
	return resp
}

func typeString(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t))
}
