package labdns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
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
	// maxUDPSockets caps the per-core group on big machines: past a few
	// sockets a lab DNS gains nothing.
	maxUDPSockets = 16
)

// Server answers queries for a ZoneSet over UDP and TCP on one port.
type Server struct {
	log zerolog.Logger
	// table holds the zones and their prepared replies; swapped whole by
	// SetZones, so a query sees one zone set or the other, never a mix.
	table atomic.Pointer[answerTable]

	mu      sync.Mutex
	udp     []*net.UDPConn // one per core, sharing the port (SO_REUSEPORT)
	tcp     *dns.Server
	addr    string
	served  sync.WaitGroup
	closed  bool
	queries atomic.Uint64 // every query handled; lets tests see cache hits
}

// NewServer returns a server for zones; it listens only once Start is called.
func NewServer(zones *ZoneSet, log zerolog.Logger) *Server {
	s := &Server{log: log.With().Str("component", "labdns").Logger()}
	s.table.Store(newAnswerTable(zones))
	return s
}

// SetZones makes the server answer from zones from now on; the replies
// prepared for the old zones go with them.
func (s *Server) SetZones(zones *ZoneSet) {
	s.table.Store(newAnswerTable(zones))
}

// Start binds UDP and TCP on addr (the same port for both, so one "ip:port"
// names the server) and serves until Close. It returns once both listeners
// accept queries.
func (s *Server) Start(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.addr != "" || s.closed {
		return errors.New("labdns: server already started")
	}
	conns, ln, err := listenGroup(addr, min(runtime.GOMAXPROCS(0), maxUDPSockets))
	if err != nil {
		return err
	}
	tcpReady, failed := make(chan struct{}), make(chan error, 1)
	s.tcp = &dns.Server{Listener: ln, Handler: dns.HandlerFunc(s.serveDNS), NotifyStartedFunc: func() { close(tcpReady) }}
	s.addr = conns[0].LocalAddr().String()
	s.served.Add(1)
	go func() {
		defer s.served.Done()
		if err := s.tcp.ActivateAndServe(); err != nil {
			failed <- err
		}
	}()
	select {
	case <-tcpReady:
	case err := <-failed:
		closeAll(conns)
		ln.Close()
		addr := s.addr
		s.tcp, s.addr = nil, ""
		return fmt.Errorf("labdns: serve %s: %w", addr, err)
	}
	// A bound UDP socket queues queries already; no need to wait for the loops.
	s.udp = conns
	for _, c := range conns {
		s.served.Add(1)
		go s.serveUDP(c)
	}
	s.log.Info().Str("addr", s.addr).Int("udp_sockets", len(conns)).
		Strs("zones", s.table.Load().zones.Domains()).Msg("lab dns serving")
	return nil
}

// listenGroup binds the UDP sockets first, then TCP on the port they got.
// TCP is bound without SO_REUSEPORT, so a second server on a fixed port
// still fails with "address in use" as it did before there were groups.
func listenGroup(addr string, n int) ([]*net.UDPConn, net.Listener, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("labdns: listen address %q: %w", addr, err)
	}
	anyPort := port == "" || port == "0"
	for attempt := 1; ; attempt++ {
		conns, err := listenUDPGroup(addr, n)
		if err != nil {
			return nil, nil, fmt.Errorf("labdns: listen udp %s: %w", addr, err)
		}
		bound := conns[0].LocalAddr().String()
		ln, err := net.Listen("tcp", bound)
		if err == nil {
			return conns, ln, nil
		}
		closeAll(conns)
		if !anyPort || !errors.Is(err, syscall.EADDRINUSE) || attempt == bindAttempts {
			return nil, nil, fmt.Errorf("labdns: listen tcp %s: %w", bound, err)
		}
	}
}

func listenUDPGroup(addr string, n int) ([]*net.UDPConn, error) {
	if !reusePortSupported {
		n = 1
	}
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error { return reusePort(c) }}
	var conns []*net.UDPConn
	for len(conns) < max(n, 1) {
		if len(conns) == 1 {
			addr = conns[0].LocalAddr().String() // the rest join the port the first got
		}
		pc, err := lc.ListenPacket(context.Background(), "udp", addr)
		if err != nil {
			closeAll(conns)
			return nil, err
		}
		conns = append(conns, pc.(*net.UDPConn))
	}
	return conns, nil
}

func closeAll(conns []*net.UDPConn) {
	for _, c := range conns {
		c.Close()
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
	if s.addr == "" {
		return nil
	}
	return s.shutdownLocked()
}

func (s *Server) shutdownLocked() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	var errs []error
	closeAll(s.udp) // each loop's read returns net.ErrClosed and the loop ends
	if err := s.tcp.ShutdownContext(ctx); err != nil {
		errs = append(errs, err)
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

// serveDNS answers TCP queries; UDP has its own loop (serveUDP).
func (s *Server) serveDNS(w dns.ResponseWriter, req *dns.Msg) {
	s.queries.Add(1)
	_, udp := w.RemoteAddr().(*net.UDPAddr)
	resp := s.reply(s.table.Load().zones, req, udp)
	if resp == nil {
		return
	}
	if err := w.WriteMsg(resp); err != nil {
		s.log.Debug().Err(err).Str("remote", w.RemoteAddr().String()).Msg("dns reply not sent")
	}
	s.logQuery(req, resp, w.RemoteAddr().String(), udp)
}

func (s *Server) logQuery(req, resp *dns.Msg, remote string, udp bool) {
	ev := s.log.Debug()
	if ev.Enabled() {
		name, qtype := "", ""
		if len(req.Question) > 0 {
			name, qtype = req.Question[0].Name, typeString(req.Question[0].Qtype)
		}
		ev.Str("name", name).Str("type", qtype).Str("rcode", dns.RcodeToString[resp.Rcode]).
			Str("remote", remote).Bool("udp", udp).Bool("tc", resp.Truncated).
			Int("answers", len(resp.Answer)).Msg("dns query")
	}
}

// reply builds the response to req, truncated to the client's size over
// UDP; nil means send nothing.
func (s *Server) reply(zones *ZoneSet, req *dns.Msg, udp bool) *dns.Msg {
	resp := buildReply(zones, req)
	if resp == nil {
		return nil
	}
	size := dns.MinMsgSize
	if opt := req.IsEdns0(); opt != nil {
		size = max(int(opt.UDPSize()), dns.MinMsgSize)
	}
	if udp {
		resp.Truncate(size)
	} else {
		resp.Compress = true
	}
	return resp
}

// buildReply is the whole reply to req, before any truncation: what the
// prepared answers are made of, and what the slow path truncates.
func buildReply(zones *ZoneSet, req *dns.Msg) *dns.Msg {
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
	resp := zones.Answer(req.Question[0])
	resp.Id = req.Id
	resp.Opcode = req.Opcode
	resp.RecursionDesired = req.RecursionDesired
	resp.CheckingDisabled = req.CheckingDisabled
	resp.Question = req.Question // echo the client's spelling (0x20 case randomisation)
	if req.IsEdns0() != nil {
		resp.SetEdns0(advertisedUDPSize, false)
	}
	return resp
}

func typeString(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t))
}
