package sipstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// Hop is where an in-dialog request the Edge sends goes next (RFC 3261 §12.2.1.1, §16.12): the
// host and port of the route set's first entry, else of the remote target (the peer's Contact).
// It is learned in the dialog, never from a Via.
type Hop struct {
	Host string
	Port int // 5061 when the URI names none: SIP over TLS
}

func (h Hop) String() string { return net.JoinHostPort(h.Host, strconv.Itoa(h.Port)) }

// Redialer opens a new mutual TLS connection to a hop of a dialog the Edge is in, once the live
// connection is gone. It resolves, dials and judges the server as the Edge's outbound rules do,
// which sipstack knows nothing of; ctx bounds it.
type Redialer func(ctx context.Context, hop Hop) (*PeerConn, error)

// defaultSIPSPort is the port of a sip: URI over TLS that names none (RFC 3263 §4.2).
const defaultSIPSPort = 5061

// hopOf is the next hop of an in-dialog request whose Route headers are routes (in order), sent
// to target when there are none.
func hopOf(routes []string, target sip.Uri) (Hop, error) {
	u := target
	if len(routes) > 0 {
		var err error
		if u, err = routeURI(routes[0]); err != nil {
			return Hop{}, err
		}
	}
	host := strings.Trim(u.Host, "[]")
	if host == "" {
		return Hop{}, errors.New("sipstack: the next hop names no host")
	}
	port := u.Port
	if port == 0 {
		port = defaultSIPSPort
	}
	return Hop{Host: host, Port: port}, nil
}

// routeURI is the URI of one route entry: <sip:host:port;lr> with or without a display part.
func routeURI(v string) (sip.Uri, error) {
	s := strings.TrimSpace(v)
	if i := strings.IndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			s = s[i+1 : i+j]
		}
	}
	var u sip.Uri
	if err := sip.ParseUri(s, &u); err != nil {
		return u, fmt.Errorf("sipstack: route %q: %w", v, err)
	}
	return u, nil
}

// routeValues are the entries of req's Route headers, in order, comma-joined ones split.
func routeValues(req *sip.Request) []string {
	var out []string
	for _, h := range req.GetHeaders("Route") {
		out = append(out, splitRoutes(h.Value())...)
	}
	return out
}
