package labdns

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/rs/zerolog"
)

func exchange(t *testing.T, network, addr string, m *dns.Msg) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	resp, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s exchange: %v", network, err)
	}
	return resp
}

func TestServerUDPAndTCP(t *testing.T) {
	s := startServer(t, mustZones(t, DefaultZones()))
	host, port, err := net.SplitHostPort(s.Addr())
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Fatalf("Addr %q: want 127.0.0.1 and a real port (%v)", s.Addr(), err)
	}
	tests := []struct {
		name   string
		qname  string
		qtype  uint16
		rcode  int
		aa     bool
		answer []string
		extra  []string
	}{
		{
			name: "srv", qname: "_sipfederationtls._tcp.skype.lab.", qtype: dns.TypeSRV, rcode: dns.RcodeSuccess, aa: true,
			answer: []string{"_sipfederationtls._tcp.skype.lab. 300 IN SRV 0 0 5061 sip.skype.lab."},
			extra:  []string{"sip.skype.lab. 300 IN A 127.0.0.1"},
		},
		{
			name: "a in the most specific zone", qname: "vcse.acano.steven.lab.", qtype: dns.TypeA, rcode: dns.RcodeSuccess, aa: true,
			answer: []string{"vcse.acano.steven.lab. 300 IN A 127.0.0.2"},
		},
		{name: "nxdomain", qname: "_sipfederationtls._tcp.nope.skype.lab.", qtype: dns.TypeSRV, rcode: dns.RcodeNameError, aa: true},
		{name: "refused", qname: "example.com.", qtype: dns.TypeA, rcode: dns.RcodeRefused},
	}
	for _, network := range []string{"udp", "tcp"} {
		for _, tc := range tests {
			t.Run(network+"/"+tc.name, func(t *testing.T) {
				q := new(dns.Msg).SetQuestion(tc.qname, tc.qtype)
				resp := exchange(t, network, s.Addr(), q)
				if resp.Id != q.Id || !resp.Response || resp.Opcode != dns.OpcodeQuery || !resp.RecursionDesired {
					t.Errorf("header %+v does not answer %+v", resp.MsgHdr, q.MsgHdr)
				}
				if resp.Rcode != tc.rcode || resp.Authoritative != tc.aa || resp.Truncated {
					t.Errorf("rcode %s AA %v TC %v, want %s AA %v TC false",
						dns.RcodeToString[resp.Rcode], resp.Authoritative, resp.Truncated, dns.RcodeToString[tc.rcode], tc.aa)
				}
				checkSection(t, "answer", resp.Answer, tc.answer)
				checkSection(t, "additional", resp.Extra, tc.extra)
			})
		}
	}
	t.Run("question echoed in the client's case", func(t *testing.T) {
		q := new(dns.Msg).SetQuestion("SIP.Skype.LAB.", dns.TypeA)
		resp := exchange(t, "udp", s.Addr(), q)
		if resp.Question[0].Name != "SIP.Skype.LAB." {
			t.Errorf("question %q", resp.Question[0].Name)
		}
		checkSection(t, "answer", resp.Answer, []string{"sip.skype.lab. 300 IN A 127.0.0.1"})
	})
	t.Run("edns answered with edns", func(t *testing.T) {
		q := new(dns.Msg).SetQuestion("sip.skype.lab.", dns.TypeA)
		q.SetEdns0(4096, false)
		resp := exchange(t, "udp", s.Addr(), q)
		opt := resp.IsEdns0()
		if opt == nil || opt.UDPSize() != advertisedUDPSize {
			t.Errorf("OPT %v, want UDP size %d", opt, advertisedUDPSize)
		}
		if plain := exchange(t, "udp", s.Addr(), new(dns.Msg).SetQuestion("sip.skype.lab.", dns.TypeA)); plain.IsEdns0() != nil {
			t.Error("OPT in the answer to a query without EDNS")
		}
	})
	t.Run("other opcodes not implemented", func(t *testing.T) {
		q := new(dns.Msg).SetQuestion("skype.lab.", dns.TypeSOA)
		q.Opcode = dns.OpcodeNotify
		if resp := exchange(t, "udp", s.Addr(), q); resp.Rcode != dns.RcodeNotImplemented {
			t.Errorf("rcode %s, want NOTIMP", dns.RcodeToString[resp.Rcode])
		}
	})
}

func TestServerTruncation(t *testing.T) {
	var zone strings.Builder
	for i := range 60 {
		fmt.Fprintf(&zone, "big IN TXT \"%02d%s\"\n", i, strings.Repeat("x", 98))
	}
	zone.WriteString("small IN TXT \"short\"\n")
	s := startServer(t, mustZones(t, map[string]string{"txt.lab": zone.String()}))

	tests := []struct {
		name    string
		network string
		qname   string
		edns    uint16 // 0: no EDNS
		wantTC  bool
		wantN   int // answers expected; -1: fewer than 60 but some
		maxSize int // bytes the reply must fit in; 0: no limit
	}{
		{name: "udp plain truncated to 512", network: "udp", qname: "big.txt.lab.", wantTC: true, wantN: -1, maxSize: 512},
		{name: "udp edns 1232 truncated", network: "udp", qname: "big.txt.lab.", edns: 1232, wantTC: true, wantN: -1, maxSize: 1232},
		{name: "udp edns 4096 still truncated", network: "udp", qname: "big.txt.lab.", edns: 4096, wantTC: true, wantN: -1, maxSize: 4096},
		{name: "tcp complete", network: "tcp", qname: "big.txt.lab.", wantN: 60},
		{name: "udp small answer not truncated", network: "udp", qname: "small.txt.lab.", wantN: 1, maxSize: 512},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := new(dns.Msg).SetQuestion(tc.qname, dns.TypeTXT)
			if tc.edns > 0 {
				q.SetEdns0(tc.edns, false)
			}
			c := &dns.Client{Net: tc.network, Timeout: 2 * time.Second, UDPSize: dns.MaxMsgSize}
			resp, _, err := c.Exchange(q, s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			if resp.Truncated != tc.wantTC {
				t.Errorf("TC %v, want %v", resp.Truncated, tc.wantTC)
			}
			n := len(resp.Answer)
			if tc.wantN >= 0 && n != tc.wantN || tc.wantN < 0 && (n == 0 || n >= 60) {
				t.Errorf("%d answers, want %d", n, tc.wantN)
			}
			resp.Compress = true // as sent; the unpacked message forgot
			if size := resp.Len(); tc.maxSize > 0 && size > tc.maxSize {
				t.Errorf("reply is %d bytes, over %d", size, tc.maxSize)
			}
		})
	}
}

// dig is the tool people use on a real lab, so the answer must satisfy it.
func TestServerDig(t *testing.T) {
	dig, err := exec.LookPath("dig")
	if err != nil {
		t.Skip("dig not on PATH (install dnsutils)")
	}
	s := startServer(t, mustZones(t, DefaultZones()))
	_, port, _ := net.SplitHostPort(s.Addr())
	for _, transport := range []string{"+notcp", "+tcp"} {
		t.Run(transport, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, dig, "@127.0.0.1", "-p", port,
				"_sipfederationtls._tcp.skype.lab", "SRV", "+short", transport, "+time=2", "+tries=1").CombinedOutput()
			if err != nil {
				t.Fatalf("dig: %v\n%s", err, out)
			}
			if got := strings.TrimSpace(string(out)); got != "0 0 5061 sip.skype.lab." {
				t.Errorf("dig +short said %q, want %q", got, "0 0 5061 sip.skype.lab.")
			}
		})
	}
}

func TestServerLifecycle(t *testing.T) {
	z := mustZones(t, DefaultZones())
	t.Run("close before start", func(t *testing.T) {
		s := NewServer(z, zerolog.Nop())
		if s.Addr() != "" {
			t.Errorf("Addr %q before Start", s.Addr())
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	t.Run("start twice", func(t *testing.T) {
		s := startServer(t, z)
		if err := s.Start("127.0.0.1:0"); err == nil {
			t.Error("second Start succeeded")
		}
	})
	t.Run("port taken", func(t *testing.T) {
		first := startServer(t, z)
		s := NewServer(z, zerolog.Nop())
		if err := s.Start(first.Addr()); err == nil {
			s.Close()
			t.Fatal("Start on a taken port succeeded")
		}
	})
	t.Run("bad address", func(t *testing.T) {
		if err := NewServer(z, zerolog.Nop()).Start("no-port"); err == nil {
			t.Fatal("Start without a port succeeded")
		}
	})
	t.Run("closed server stops answering", func(t *testing.T) {
		s := NewServer(z, zerolog.Nop())
		if err := s.Start("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		addr := s.Addr()
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if err := s.Start("127.0.0.1:0"); err == nil {
			t.Error("Start after Close succeeded")
		}
		c := &dns.Client{Net: "tcp", Timeout: time.Second}
		if _, _, err := c.Exchange(new(dns.Msg).SetQuestion("skype.lab.", dns.TypeSOA), addr); err == nil {
			t.Error("closed server still answers over TCP")
		}
	})
}

// An EDNS version the server does not speak gets BADVERS with version 0 and no answer (RFC 6891
// §6.1.3), over both transports; version 0 still gets its answer.
func TestServerBadEDNSVersion(t *testing.T) {
	s := startServer(t, mustZones(t, DefaultZones()))
	for _, network := range []string{"udp", "tcp"} {
		q := new(dns.Msg).SetQuestion("sip.skype.lab.", dns.TypeA)
		q.SetEdns0(1232, false)
		q.IsEdns0().SetVersion(1)
		resp := exchange(t, network, s.Addr(), q)
		opt := resp.IsEdns0()
		if resp.Rcode != dns.RcodeBadVers || opt == nil || opt.Version() != 0 || len(resp.Answer) != 0 {
			t.Errorf("%s: rcode %s, opt %v, %d answers: want BADVERS, version 0, none", network, dns.RcodeToString[resp.Rcode], opt, len(resp.Answer))
		}
		q.IsEdns0().SetVersion(0)
		if resp := exchange(t, network, s.Addr(), q); resp.Rcode != dns.RcodeSuccess || len(resp.Answer) != 1 {
			t.Errorf("%s: version 0 got %s with %d answers", network, dns.RcodeToString[resp.Rcode], len(resp.Answer))
		}
	}
}
