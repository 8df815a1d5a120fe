package edge

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/edgesim/edgesim/sipstack"
)

// redialer opens the new connection an in-dialog request of the Edge's needs once the dialog's own
// is gone (docs/edge-behaviour.md §7): the hop is the dialog's route set or the peer's Contact, never
// a Via. Its host is resolved through the configured resolver (the lab's, unless dns.resolver says
// system), the Edge presents its client certificate under the outbound TLS profile, and the server
// must pass the certificate rule with the hop's host as its name. emit hears each step; nil: none.
func (o *Outbound) redialer(emit func(Step)) sipstack.Redialer {
	if emit == nil {
		emit = func(Step) {}
	}
	return func(ctx context.Context, hop sipstack.Hop) (*sipstack.PeerConn, error) {
		addrs, err := o.hopAddrs(ctx, hop.Host)
		if err != nil {
			emit(Step{Kind: StepAddress, Text: "next hop " + hop.String() + ": " + err.Error()})
			return nil, err
		}
		emit(Step{Kind: StepAddress, OK: true, Text: "next hop " + hop.String() + " → " + joinAddrs(addrs)})
		var errs []error
		for _, a := range addrs {
			pc, err := o.dialHop(ctx, hop, netip.AddrPortFrom(a, uint16(hop.Port)), emit)
			if err == nil {
				return pc, nil
			}
			errs = append(errs, err)
		}
		return nil, errors.Join(errs...)
	}
}

// hopAddrs is the hop's addresses: an IP literal as it is, a name through the configured resolver.
func (o *Outbound) hopAddrs(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	addrs, err := o.Recorder.resolverFor(o.Lab.Resolver).LookupHost(ctx, host)
	if err == nil && len(addrs) == 0 {
		err = fmt.Errorf("%s has no address", host)
	}
	return addrs, err
}

// dialHop is one mutual TLS attempt at a hop's address, judged by the certificate rule.
func (o *Outbound) dialHop(ctx context.Context, hop sipstack.Hop, addr netip.AddrPort, emit func(Step)) (*sipstack.PeerConn, error) {
	cfg := o.clientConfig(emit)
	cfg.Tap, cfg.KeyLog = o.Recorder.clientHooks(ctx)
	var rule string
	cfg.Verify = func(cs tls.ConnectionState) error {
		v, r := o.Lab.Policy.CheckPeer(cs.PeerCertificates, []string{hop.Host}, x509.ExtKeyUsageServerAuth, time.Now())
		if !v.Allow {
			rule = r.Detail
			return errCertRefused
		}
		return nil
	}
	pc, err := sipstack.Dial(ctx, cfg, addr, hop.Host)
	if err != nil {
		if rule != "" {
			err = fmt.Errorf("%w: %s", err, rule)
		}
		emit(Step{Kind: StepTLS, Text: "next hop " + hop.String() + ": " + err.Error()})
		o.Logger.Warn().Err(err).Str("hop", hop.String()).Str("addr", addr.String()).Msg("no new connection for an in-dialog request")
		return nil, err
	}
	emit(tlsStep(pc.State(), o.Lab.EdgeCert))
	o.Logger.Info().Str("hop", hop.String()).Str("addr", addr.String()).Msg("new connection for an in-dialog request")
	return pc, nil
}
