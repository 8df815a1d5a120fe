package labdns

import (
	"errors"
	"net"
	"net/netip"

	"github.com/miekg/dns"
)

// maxUDPReply bounds the fast path's output buffer; prepared replies longer
// than this (rare: huge RRsets) go the slow way.
const maxUDPReply = 4096

// serveUDP answers queries on one socket of the group until it is closed.
// Prepared answers are sent without unpacking the query or allocating;
// everything else goes through miekg/dns like the TCP listener.
func (s *Server) serveUDP(conn *net.UDPConn) {
	defer s.served.Done()
	// Closing on exit lets the kernel send this socket's share of the
	// queries to the sockets left, should one loop end on an error.
	defer conn.Close()
	buf := make([]byte, dns.MaxMsgSize)
	out := make([]byte, maxUDPReply)
	var key [keyCap]byte
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.log.Warn().Err(err).Msg("lab dns udp socket failed; its share goes to the others")
			}
			return
		}
		s.queries.Add(1)
		pkt := buf[:n]
		t := s.table.Load()
		if q, ok := parseQuery(pkt, &key); ok {
			if m, pa := t.writeReply(pkt, q, out); m > 0 {
				s.send(conn, out[:m], from)
				if ev := s.log.Debug(); ev.Enabled() {
					ev.Str("name", pa.name).Str("type", pa.qtype).Str("rcode", dns.RcodeToString[pa.rcode]).
						Str("remote", from.String()).Bool("udp", true).Bool("tc", false).
						Int("answers", pa.answers).Bool("prepared", true).Msg("dns query")
				}
				continue
			}
		}
		s.serveUDPSlow(conn, t.zones, pkt, from)
	}
}

// serveUDPSlow is the general path, with the checks miekg/dns's default
// MsgAcceptFunc made when it owned the socket.
func (s *Server) serveUDPSlow(conn *net.UDPConn, zones *ZoneSet, pkt []byte, from netip.AddrPort) {
	if len(pkt) < dnsHeaderLen || pkt[2]&0x80 != 0 {
		return // no header, or a response: never answer answers
	}
	an, ns, ar := int(pkt[6])<<8|int(pkt[7]), int(pkt[8])<<8|int(pkt[9]), int(pkt[10])<<8|int(pkt[11])
	req := new(dns.Msg)
	if an > 1 || ns > 1 || ar > 2 || req.Unpack(pkt) != nil {
		s.send(conn, formErr(pkt), from)
		return
	}
	resp := s.reply(zones, req, true)
	if resp == nil {
		return
	}
	wire, err := resp.Pack()
	if err != nil {
		s.log.Debug().Err(err).Str("remote", from.String()).Msg("dns reply not packed")
		return
	}
	s.send(conn, wire, from)
	s.logQuery(req, resp, from.String(), true)
}

func (s *Server) send(conn *net.UDPConn, msg []byte, to netip.AddrPort) {
	if _, err := conn.WriteToUDPAddrPort(msg, to); err != nil {
		s.log.Debug().Err(err).Str("remote", to.String()).Msg("dns reply not sent")
	}
}

// formErr is a header-only FORMERR reply keeping the ID and opcode.
func formErr(pkt []byte) []byte {
	h := make([]byte, dnsHeaderLen)
	h[0], h[1] = pkt[0], pkt[1]
	h[2] = 0x80 | pkt[2]&0x78
	h[3] = dns.RcodeFormatError
	return h
}
