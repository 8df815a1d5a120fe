package standin

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/rs/zerolog"
)

// ClientConfig describes the Expressway-E stand-in that calls into the Edge.
type ClientConfig struct {
	FQDN        string           // its own name, used in Via and Contact
	Certificate *tls.Certificate // the client certificate it presents; nil presents none
	EdgeRoots   *x509.CertPool   // CAs it trusts for the Edge's certificate
	EdgeFQDN    string           // the name it expects in the Edge's certificate
	MaxTLS      uint16
	Logger      zerolog.Logger
}

// Client is the Expressway-E stand-in for the inbound direction: a sipgo user agent that
// connects to the Edge with mutual TLS, sends requests and answers what the Edge sends back.
type Client struct {
	cfg      ClientConfig
	ua       *sipgo.UserAgent
	cli      *sipgo.Client
	mu       sync.Mutex
	notifies []*sip.Request
	byes     []*sip.Request
}

// NewClient builds a stand-in with its own connection pool.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.FQDN == "" {
		cfg.FQDN = "vcse.steven.lab"
	}
	conf := &tls.Config{RootCAs: cfg.EdgeRoots, ServerName: cfg.EdgeFQDN, MinVersion: tls.VersionTLS12, MaxVersion: cfg.MaxTLS}
	if cfg.Certificate != nil {
		cert := cfg.Certificate
		// Always present the certificate, whatever CA names the Edge asks for.
		conf.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	slogger := slog.New(zerolog.NewSlogHandler(cfg.Logger.With().Str("component", "peer").Logger()))
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent("TANDBERG/4352 (X14.0)"),
		sipgo.WithUserAgentHostname(cfg.FQDN),
		sipgo.WithUserAgenTLSConfig(conf),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(slogger)),
		// Under TLS 1.3 a refused client certificate surfaces only after the request is written:
		// fail the transaction when the connection drops instead of waiting for Timer B.
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(slogger), sip.WithTransactionLayerTerminateOnConnClose()),
	)
	if err != nil {
		return nil, fmt.Errorf("peer: %w", err)
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientLogger(slogger), sipgo.WithClientHostname(cfg.FQDN))
	if err != nil {
		return nil, fmt.Errorf("peer: %w", err)
	}
	p := &Client{cfg: cfg, ua: ua, cli: cli}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(slogger))
	if err != nil {
		return nil, fmt.Errorf("peer: %w", err)
	}
	srv.OnNotify(func(req *sip.Request, tx sip.ServerTransaction) {
		p.mu.Lock()
		p.notifies = append(p.notifies, req)
		p.mu.Unlock()
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		p.mu.Lock()
		p.byes = append(p.byes, req)
		p.mu.Unlock()
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	return p, nil
}

// SIPClient is the stand-in's sipgo client, for tests that drive transactions by hand.
func (p *Client) SIPClient() *sipgo.Client { return p.cli }

// Close drops the stand-in's connections.
func (p *Client) Close() error { return p.ua.Close() }

// Notifies returns the NOTIFY requests the Edge sent so far.
func (p *Client) Notifies() []*sip.Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*sip.Request(nil), p.notifies...)
}

// Byes returns the BYE requests the Edge sent so far.
func (p *Client) Byes() []*sip.Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*sip.Request(nil), p.byes...)
}

// NewRequest builds an out-of-dialog request from one URI to another, to be sent to edgeAddr.
func (p *Client) NewRequest(method sip.RequestMethod, from, to, edgeAddr string) (*sip.Request, error) {
	var fromURI, toURI sip.Uri
	if err := sip.ParseUri(from, &fromURI); err != nil {
		return nil, fmt.Errorf("from %q: %w", from, err)
	}
	if err := sip.ParseUri(to, &toURI); err != nil {
		return nil, fmt.Errorf("to %q: %w", to, err)
	}
	req := sip.NewRequest(method, toURI)
	req.AppendHeader(&sip.FromHeader{Address: fromURI, Params: sip.HeaderParams{{K: "tag", V: sip.GenerateTagN(16)}}})
	req.AppendHeader(&sip.ToHeader{Address: toURI})
	req.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: fromURI.User, Host: p.cfg.FQDN,
		UriParams: sip.HeaderParams{{K: "transport", V: "tls"}}}})
	req.SetTransport("TLS")
	req.SetDestination(edgeAddr)
	return req, nil
}

// Do sends one request and returns its final response.
func (p *Client) Do(ctx context.Context, req *sip.Request) (*sip.Response, error) {
	res, err := p.cli.Do(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("peer %s: %w", req.Method, err)
	}
	return res, nil
}

// ClientCall is how an INVITE from the stand-in ended.
type ClientCall struct {
	Final     *sip.Response
	Responses []int // every status seen, in order, the final one included
	Answered  bool  // 200 OK, ACKed
	HungUp    bool  // BYE sent and answered 200
}

// DefaultOffer is an SDP offer the way an Expressway sends one: audio with G.711 and DTMF.
const DefaultOffer = "v=0\r\no=tandberg 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
	"m=audio 40000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"

// Call sends an INVITE with an SDP offer; on 200 OK it ACKs and, unless hold says otherwise, hangs up.
// hold runs between ACK and BYE with the established dialog, so a caller can send in-dialog requests,
// keep the call up, or wait for the Edge's BYE; it returns whether the stand-in should hang up.
func (p *Client) Call(ctx context.Context, inv *sip.Request, hold func(ctx context.Context, d *sipgo.DialogClientSession) bool) (*ClientCall, error) {
	if inv.Body() == nil {
		inv.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		inv.SetBody([]byte(DefaultOffer))
	}
	dua := sipgo.DialogUA{Client: p.cli, ContactHDR: *inv.Contact(), RewriteContact: true}
	sess, err := dua.WriteInvite(ctx, inv)
	if err != nil {
		return nil, fmt.Errorf("peer INVITE: %w", err)
	}
	defer sess.Close()
	out := &ClientCall{}
	err = sess.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(r *sip.Response) error {
		out.Responses = append(out.Responses, r.StatusCode)
		return nil
	}})
	var dr *sipgo.ErrDialogResponse
	if errors.As(err, &dr) {
		out.Final = dr.Res
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("peer INVITE: %w", err)
	}
	out.Final = sess.InviteResponse
	// ACK and BYE go to the 200's source, the TLS connection the call is on.
	ack := sip.NewRequest(sip.ACK, sess.InviteResponse.Contact().Address)
	ack.SetDestination(sess.InviteResponse.Source())
	if err := sess.WriteAck(ctx, ack); err != nil {
		return out, fmt.Errorf("peer ACK: %w", err)
	}
	out.Answered = true
	if hold != nil && !hold(ctx, sess) {
		return out, nil
	}
	bye := sip.NewRequest(sip.BYE, sess.InviteResponse.Contact().Address)
	bye.SetDestination(sess.InviteResponse.Source())
	if err := sess.WriteBye(ctx, bye); err != nil {
		return out, fmt.Errorf("peer BYE: %w", err)
	}
	out.HungUp = true
	return out, nil
}
