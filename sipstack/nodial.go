package sipstack

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// The Edge's SIP stack answers only on the connection a request came in on. sipgo's
// TransportLayer.serverRequestConnection falls back, when that connection is gone (or for an ACK
// arriving as it closes), to RFC 3263 on the top Via: it resolves the sent-by host with the UA's
// resolver and dials it over TLS. The Via is the peer's to write, so that is a lookup of and a
// connection to anything the peer names. RFC 3261 §18.2.2 wants the response on the delivering
// connection for a reliable transport; when it is gone, the response is dropped (sipgo logs
// "server tx get connection failed") and the peer's retransmission on a new connection gets it.
// The Edge's own requests (BYE, NOTIFY) likewise go only over a live connection.
var (
	errNoDial   = errors.New("sipstack: the Edge answers only on the delivering connection; not dialing")
	errNoLookup = errors.New("sipstack: the Edge does not resolve names a peer supplies")
)

// noLookups is the UA's resolver: it refuses every DNS exchange. Go's resolver still reads
// /etc/hosts first, so no packet leaves the host.
func noLookups() sipgo.UserAgentOption {
	return sipgo.WithUserAgentDNSResolver(&net.Resolver{PreferGo: true,
		Dial: func(context.Context, string, string) (net.Conn, error) { return nil, errNoLookup }})
}

// noDialing is the transport-layer option whose TLS transport refuses to connect anywhere. It goes
// with the layer's other options: sipgo keeps only the last WithUserAgentTransportLayerOptions.
func noDialing() sip.TransportLayerOption {
	noDial := func(laddr net.Addr) net.Dialer {
		return net.Dialer{Timeout: time.Second, LocalAddr: laddr,
			Control: func(string, string, syscall.RawConn) error { return errNoDial }}
	}
	// TLS is the only transport the Edge serves; sipgo's defaults fill the others. This transport
	// logs through sip.DefaultLogger, as its logger field is not settable from outside.
	return sip.WithTransportLayerTransports(sip.TransportsConfig{
		TLS: &sip.TransportTLS{TransportTCP: &sip.TransportTCP{DialerCreate: noDial}},
	})
}
