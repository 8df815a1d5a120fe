package labdns

import (
	"context"
	"net"
	"time"

	"github.com/miekg/dns"
)

// queryUDPSize is the EDNS0 buffer we offer, so the usual answers fit in one
// datagram and only big ones pay for the TCP retry.
const queryUDPSize = 1232

// NewRemoteResolver asks the DNS server at serverAddr ("host:port"; port 53
// when missing) over UDP, retrying over TCP when the answer is truncated.
func NewRemoteResolver(serverAddr string, opts ResolverOptions) Resolver {
	if _, _, err := net.SplitHostPort(serverAddr); err != nil {
		serverAddr = net.JoinHostPort(serverAddr, "53")
	}
	rc := &remoteClient{
		addr: serverAddr,
		udp:  &dns.Client{Net: "udp"},
		tcp:  &dns.Client{Net: "tcp"},
	}
	return newResolver(msgBackend{exchange: rc.exchange, server: serverAddr}, opts)
}

type remoteClient struct {
	addr     string
	udp, tcp *dns.Client
}

func (c *remoteClient) exchange(ctx context.Context, q dns.Question) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.Id = dns.Id()
	m.RecursionDesired = true // so a recursive server given as HOST:PORT works too
	m.Question = []dns.Question{q}
	m.SetEdns0(queryUDPSize, false)
	resp, err := c.do(ctx, c.udp, m)
	if err == nil && resp.Truncated {
		resp, err = c.do(ctx, c.tcp, m)
	}
	return resp, err
}

// do runs one exchange. miekg's client honours only the context's deadline,
// so cancellation is turned into an expired deadline on the connection.
func (c *remoteClient) do(ctx context.Context, client *dns.Client, m *dns.Msg) (*dns.Msg, error) {
	conn, err := client.DialContext(ctx, c.addr)
	if err != nil {
		return nil, ctxErr(ctx, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	resp, _, err := client.ExchangeWithConnContext(ctx, m, conn)
	if err != nil {
		return nil, ctxErr(ctx, err)
	}
	return resp, nil
}

// ctxErr prefers the context's reason, which says timeout or cancellation
// plainly, over the i/o error it caused. The connection's deadline is the
// context's, so the read can fail a hair before the context notices.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return err
}
