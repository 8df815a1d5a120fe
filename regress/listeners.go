package regress

import (
	"fmt"
	"net"

	"github.com/edgesim/edgesim/config"
)

// BusyError is a listener of the run's that something else already holds: another Edge (an
// `edgesim run` left running, say), whose answers the Expressway would get instead of this run's.
type BusyError struct {
	What, Network, Addr string
	Err                 error
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("%s %s/%s is already in use, by another Edge or edgesim run perhaps; stop it or change the configuration: %v",
		e.What, e.Network, e.Addr, e.Err)
}

func (e *BusyError) Unwrap() error { return e.Err }

// checkListeners binds, and lets go at once, every address the run serves on: the Edge's SIP
// listener, the lab DNS (UDP and TCP) and the UC-side answerer. It runs before any case, so a run
// that would share the Expressway with another Edge never starts. The lab DNS binds its UDP
// sockets with SO_REUSEPORT, under which a second server on the port would silently take half the
// queries; this probe binds without it and so sees any holder.
func checkListeners(cfg config.Config, answerer Answerer) error {
	type listener struct{ what, network, addr string }
	probes := []listener{{"the Edge's SIP listener edge.listen", "tcp", cfg.Edge.Listen}}
	if cfg.DNS.Listen != "" {
		probes = append(probes, listener{"the lab DNS dns.listen", "udp", cfg.DNS.Listen}, listener{"the lab DNS dns.listen", "tcp", cfg.DNS.Listen})
	}
	probes = append(probes, listener{"the UC answerer uc.answerer.listen", answerer.Transport, answerer.Listen})
	for _, p := range probes {
		if _, port, err := net.SplitHostPort(p.addr); err != nil || port == "0" {
			continue // a port the kernel picks cannot be taken; a bad address is the start's to report
		}
		if err := probe(p.network, p.addr); err != nil {
			return &BusyError{What: p.what, Network: p.network, Addr: p.addr, Err: err}
		}
	}
	return nil
}

func probe(network, addr string) error {
	if network == "udp" {
		c, err := net.ListenPacket("udp", addr)
		if err == nil {
			err = c.Close()
		}
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		err = ln.Close()
	}
	return err
}
