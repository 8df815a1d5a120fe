package regress

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/labdns"
	"github.com/edgesim/edgesim/scenarios"
)

// caseConfig is the Edge's side of the lab for one case: the run's configuration, then the
// scenario's zones and edge overrides, then the case's own. The Expressway is never touched.
func caseConfig(base config.Config, c *Case) (config.Config, error) {
	cfg := base
	var err error
	if c.scenario != nil {
		if cfg, err = c.scenario.Config(base); err != nil {
			return base, err
		}
	}
	if len(c.Zones) > 0 {
		zones := make(map[string]string, len(cfg.DNS.Zones)+len(c.Zones))
		for k, z := range labdns.ZonesOrDefault(cfg.DNS.Zones) {
			zones[certs.NormalizeFQDN(k)] = z
		}
		for k, z := range c.Zones {
			zones[certs.NormalizeFQDN(k)] = z
		}
		cfg.DNS.Zones = zones
	}
	if c.edge != nil {
		cfg.Edge.Domains = append([]string(nil), cfg.Edge.Domains...)
		if err := c.edge.Decode(&cfg.Edge); err != nil {
			return base, fmt.Errorf("case %s: edge: %w", c.Name, err)
		}
	}
	if err := cfg.Validate(); err != nil {
		return base, fmt.Errorf("case %s: %w", c.Name, err)
	}
	return cfg, nil
}

// caseLab is the Edge (and, unless dns.listen is "", the lab DNS the Expressway resolves through)
// serving one case's configuration on the run's fixed addresses.
type caseLab struct {
	lab  *edge.Lab
	svc  *edge.Service
	port int // the Edge's SIP port
}

func startCaseLab(cfg config.Config, rec *edge.Recorder, log zerolog.Logger) (*caseLab, error) {
	lab, err := edge.OpenLab(cfg)
	if err != nil {
		return nil, err
	}
	svc, err := edge.NewService(lab, log, edge.ServiceOptions{Recorder: rec})
	if err != nil {
		return nil, err
	}
	// The previous case's listeners were closed a moment ago; the kernel may take a little while
	// to release the ports, so starting is retried a few times, bounded.
	for i := 0; ; i++ {
		if err = svc.Start(); err == nil || i == 20 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		return nil, fmt.Errorf("the Edge: %w", err)
	}
	return &caseLab{lab: lab, svc: svc, port: svc.SIPAddr().(*net.TCPAddr).Port}, nil
}

func (l *caseLab) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return l.svc.Close(ctx)
}

// outbound is the Edge's outbound engine for the case. Scenarios put the Expressway side on loopback
// addresses and port 5061 (the library's convention); with expressway.federation set, such targets
// are dialled there, and redirected says so.
func (l *caseLab) outbound(rec *edge.Recorder, federation string, log zerolog.Logger, redirected *atomic.Bool) (*edge.Outbound, error) {
	ob := &edge.Outbound{Lab: l.lab, Logger: log, Recorder: rec}
	if federation == "" {
		return ob, nil
	}
	fed, err := netip.ParseAddrPort(federation)
	if err != nil {
		return nil, fmt.Errorf("expressway.federation %q: redirecting the library's loopback targets needs an IP:PORT: %w", federation, err)
	}
	ob.DialAddr = func(_ policy.SRVTarget, a netip.AddrPort) netip.AddrPort {
		if a.Addr().IsLoopback() && a != fed {
			redirected.Store(true)
			return fed
		}
		return a
	}
	return ob, nil
}

// ensureScenarioCAs creates the lab's untrusted and public CAs when a case takes a scenario, as a
// scenario's configuration trusts the public one.
func ensureScenarioCAs(p *Plan, dir string) error {
	for _, c := range p.Cases {
		if c.scenario != nil {
			_, err := scenarios.EnsureLabCAs(dir)
			return err
		}
	}
	return nil
}

// peerCloseBound bounds the wait for the Expressway to close its side of the case's connections.
const peerCloseBound = 3 * time.Second

// awaitPeerCloses waits until the Expressway has closed its end of every connection the case's Edge
// had with it, bounded. Each case runs on a fresh Edge on the same address, and a proxy reuses an
// open connection to an address: Kamailio (like an Expressway) sends the next request on a
// connection the Edge has already closed when it has not yet read the Edge's FIN, and that request
// is lost (the kernel answers it with a reset; over TLS no transaction retransmits). A connection
// is gone from the proxy's table once it closes its end, which the kernel shows here.
func (l *caseLab) awaitPeerCloses(res *Result) {
	deadline := time.Now().Add(peerCloseBound)
	for {
		left, err := openConns(l.port)
		if err != nil {
			res.Notes = append(res.Notes, "cannot tell whether the Expressway closed its connections: "+err.Error())
			return
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			res.Notes = append(res.Notes, fmt.Sprintf("%s after the Edge closed them, the Expressway still held %d connection(s) to it (%s): the next case's first request may be lost on one",
				peerCloseBound, len(left), strings.Join(left, ", ")))
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}
