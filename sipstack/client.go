package sipstack

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/rs/zerolog"
)

// ClientConfig is how the Edge connects out to a federated peer. The policy stays outside: Verify
// is the only place a server certificate is judged.
type ClientConfig struct {
	Certificate tls.Certificate // the Edge's own, presented whether or not the server asks nicely
	// MinTLS and MaxTLS bound the client side; zero means 1.2 for both. TLS 1.2 keeps a server's
	// refusal of our certificate inside the handshake, where it can be told apart (sipgo notes §4).
	MinTLS, MaxTLS uint16
	CipherSuites   []uint16 // TLS 1.0–1.2 suites offered; nil: Go's defaults
	// Verify judges the server; its error comes back inside *CertRejectedError. Required.
	Verify func(cs tls.ConnectionState) error
	// OnConnected, when set, hears of the TCP connection before the TLS handshake starts.
	OnConnected func(local, remote netip.AddrPort)
	ContactHost string // the Edge FQDN: Via sent-by and Contact
	UserAgent   string // default RTCC/6.0.0.0, as the Edge's outbound requests carry
	Logger      zerolog.Logger
	// Tap hears the connection's bytes and handshake, KeyLog receives the NSS key log; nil: off.
	Tap    Tap
	KeyLog io.Writer
}

const defaultUserAgent = "RTCC/6.0.0.0"

// Stage is where an outbound connection attempt failed.
type Stage int

// Stages of connecting to a peer.
const (
	StageConnect Stage = iota + 1
	StageTLS
)

func (s Stage) String() string {
	if s == StageTLS {
		return "tls handshake"
	}
	return "tcp connect"
}

// Cause classifies a socket-level failure the way Winsock codes need it.
type Cause int

// Causes of a failed connection attempt.
const (
	CauseOther       Cause = iota
	CauseRefused           // RST in answer to the SYN
	CauseTimeout           // no answer in time (SYN or handshake)
	CauseReset             // the peer closed or reset the connection
	CauseAlert             // the peer sent a TLS alert
	CauseUnreachable       // no route to the peer
)

func (c Cause) String() string {
	switch c {
	case CauseRefused:
		return "refused"
	case CauseTimeout:
		return "timed out"
	case CauseReset:
		return "reset by the peer"
	case CauseAlert:
		return "TLS alert from the peer"
	case CauseUnreachable:
		return "unreachable"
	}
	return "failed"
}

// DialError is a failure to reach a peer before any certificate was judged.
type DialError struct {
	Stage Stage
	Cause Cause
	Addr  string
	Err   error
}

func (e *DialError) Error() string {
	return fmt.Sprintf("%s to %s %s: %v", e.Stage, e.Addr, e.Cause, e.Err)
}

func (e *DialError) Unwrap() error { return e.Err }

// CertRejectedError is the Verify callback saying no; State holds the chain that was judged.
type CertRejectedError struct {
	State tls.ConnectionState
	Err   error
}

func (e *CertRejectedError) Error() string { return "server certificate rejected: " + e.Err.Error() }
func (e *CertRejectedError) Unwrap() error { return e.Err }

// PeerConn is a mutual TLS connection to a federated peer whose certificate passed Verify.
type PeerConn struct {
	cfg  ClientConfig
	conn *tls.Conn
	addr netip.AddrPort
	tap  ConnTap // nil: off
}

// Dial connects to addr with TCP first, so a connect failure is told from a TLS one, then runs the
// handshake with serverName as SNI. Both are bounded by ctx.
func Dial(ctx context.Context, cfg ClientConfig, addr netip.AddrPort, serverName string) (*PeerConn, error) {
	if cfg.Verify == nil {
		return nil, errors.New("sipstack: ClientConfig.Verify is required")
	}
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", addr.String())
	if err != nil {
		return nil, &DialError{Stage: StageConnect, Cause: classify(ctx, err), Addr: addr.String(), Err: err}
	}
	if cfg.OnConnected != nil {
		cfg.OnConnected(raw.LocalAddr().(*net.TCPAddr).AddrPort(), raw.RemoteAddr().(*net.TCPAddr).AddrPort())
	}
	raw, tap := tapped(cfg.Tap, raw, false)
	tc := tls.Client(raw, cfg.tlsConfig(serverName))
	started := time.Now()
	err = tc.HandshakeContext(ctx)
	if tap != nil {
		tap.Handshake(tc.ConnectionState(), time.Since(started), err)
	}
	if err != nil {
		_ = raw.Close()
		var rej *CertRejectedError
		if errors.As(err, &rej) {
			return nil, rej
		}
		return nil, &DialError{Stage: StageTLS, Cause: classify(ctx, err), Addr: addr.String(), Err: err}
	}
	return &PeerConn{cfg: cfg, conn: tc, addr: addr, tap: tap}, nil
}

// tlsConfig skips Go's verification only because VerifyConnection runs the Edge's own rule on every
// handshake, including resumed ones; a nil Verify never gets this far.
func (cfg ClientConfig) tlsConfig(serverName string) *tls.Config {
	minV, maxV := cfg.MinTLS, cfg.MaxTLS
	if minV == 0 {
		minV = tls.VersionTLS12
	}
	if maxV == 0 {
		maxV = max(minV, tls.VersionTLS12)
	}
	cert := cfg.Certificate
	verify := cfg.Verify
	return &tls.Config{
		ServerName:         serverName,
		MinVersion:         minV,
		MaxVersion:         maxV,
		CipherSuites:       cfg.CipherSuites,
		InsecureSkipVerify: true,
		KeyLogWriter:       cfg.KeyLog,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if err := verify(cs); err != nil {
				return &CertRejectedError{State: cs, Err: err}
			}
			return nil
		},
		// Certificates alone would send nothing when the server's CA list does not name our issuer.
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil },
	}
}

// State is the handshake as it completed: version, cipher and the server's chain.
func (c *PeerConn) State() tls.ConnectionState { return c.conn.ConnectionState() }

// LocalAddr is our end of the connection.
func (c *PeerConn) LocalAddr() netip.AddrPort {
	if a, ok := c.conn.LocalAddr().(*net.TCPAddr); ok {
		return a.AddrPort()
	}
	return netip.AddrPort{}
}

// Close sends close_notify and closes the socket without waiting on a slow peer.
func (c *PeerConn) Close() error {
	_ = c.conn.SetWriteDeadline(time.Now().Add(time.Second))
	return c.conn.Close()
}

// classify prefers the context's verdict: a deadline that cut the attempt short is a timeout
// whatever the socket then reported.
func classify(ctx context.Context, err error) Cause {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return CauseTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return CauseRefused
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return CauseUnreachable
	case IsTLSAlert(err):
		return CauseAlert
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return CauseReset
	}
	return CauseOther
}

// IsTLSAlert reports an error that is a TLS alert received from the peer.
func IsTLSAlert(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "remote error" // how crypto/tls wraps a received alert
}
