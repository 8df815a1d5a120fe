package artifact

import (
	"bytes"
	"net/netip"
	"strings"

	"github.com/edgesim/edgesim/capture"
	"github.com/edgesim/edgesim/record"
)

// PCAPNG writes the attempt's SIP messages as a capture of their own: synthetic TCP carrying the
// plaintext each side sent (the record keeps messages decrypted, so no key log is needed). The
// Edge's whole capture, with its TLS and key log, is capture.pcapng; this is the one-attempt cut.
// Wireshark: Decode As… SIP on the TLS port.
func PCAPNG(a record.Attempt) ([]byte, error) {
	var buf bytes.Buffer
	pw, err := capture.NewWriter(&buf)
	if err != nil {
		return nil, err
	}
	open := map[capture.Stream]bool{}
	var order []capture.Stream
	for _, m := range a.Messages {
		st, ok := streamOf(a.Direction, m.Conn)
		if !ok {
			continue
		}
		if !open[st] {
			open[st] = true
			order = append(order, st)
			if err := pw.Open(st, m.Time); err != nil {
				return nil, err
			}
		}
		// The client is the side that connected: the peer inbound, the Edge outbound.
		fromClient := (a.Direction == record.Inbound) != m.Out
		if err := pw.Data(st, fromClient, m.Time, []byte(m.Raw), ""); err != nil {
			return nil, err
		}
	}
	for _, st := range order {
		if err := pw.Close(st, a.End); err != nil {
			return nil, err
		}
	}
	if err := pw.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// streamOf reads "local → remote" (the Edge's side first) as client and server.
func streamOf(direction, conn string) (capture.Stream, bool) {
	l, rm, ok := strings.Cut(conn, " → ")
	local, err1 := netip.ParseAddrPort(l)
	remote, err2 := netip.ParseAddrPort(rm)
	if !ok || err1 != nil || err2 != nil {
		return capture.Stream{}, false
	}
	if direction == record.Inbound {
		return capture.Stream{Client: remote, Server: local}, true
	}
	return capture.Stream{Client: local, Server: remote}, true
}
