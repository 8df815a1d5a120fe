package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// newConnCalls places n refused calls, each on a mutual-TLS connection of its own: handshake,
// INVITE from fromDomain, its final answer (which must be a 504), ACK, close; c at a time. It
// prints "calls OK/N" and fails unless every call got its 504.
func newConnCalls(addr string, cfg *tls.Config, n, c int, fromDomain string) error {
	var next atomic.Int64
	var mu sync.Mutex
	ok := 0
	var firstErr error
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				err := refusedCallOnNewConn(addr, cfg, i, fromDomain)
				mu.Lock()
				if err == nil {
					ok++
				} else if firstErr == nil {
					firstErr = fmt.Errorf("call %d: %w", i, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Printf("calls %d/%d\n", ok, n)
	if ok != n {
		return firstErr
	}
	return nil
}

// refusedCallOnNewConn is one call on a new connection, bounded at 5 s; the source address is the
// call's own (sourceFor), so the Edge's per-address cap and the client's ephemeral ports never meet
// a long run.
func refusedCallOnNewConn(addr string, cfg *tls.Config, i int, fromDomain string) error {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second, LocalAddr: sourceFor(i)}, "tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	local := conn.LocalAddr().String()
	n := strconv.Itoa(i)
	head := func(method string) string {
		return method + " sip:stejanss@skype.lab SIP/2.0\r\nVia: SIP/2.0/TLS " + local + ";branch=z9hG4bK-nc-" + n + "\r\n" +
			"Max-Forwards: 70\r\nFrom: <sip:2000@" + fromDomain + ">;tag=nc" + n + "\r\nTo: <sip:stejanss@skype.lab>"
	}
	rest := "\r\nCall-ID: nc-" + n + "@" + local + "\r\nCSeq: 1 "
	if _, err := io.WriteString(conn, head("INVITE")+rest+"INVITE\r\nContact: <sip:2000@"+local+";transport=tls>\r\n"+
		"Content-Length: 0\r\n\r\n"); err != nil {
		return err
	}
	r := textproto.NewReader(bufio.NewReader(conn))
	for {
		start, hdr, err := readMessage(r)
		if err != nil {
			return err
		}
		var status int
		if _, err := fmt.Sscanf(start, "SIP/2.0 %d", &status); err != nil {
			return fmt.Errorf("not a response: %q", start)
		}
		if status < 200 {
			continue
		}
		if status != 504 {
			return fmt.Errorf("status %d, want 504", status)
		}
		toTag := ""
		if _, t, ok := strings.Cut(hdr.Get("To"), ";tag="); ok {
			toTag = ";tag=" + t
		}
		_, err = io.WriteString(conn, head("ACK")+toTag+rest+"ACK\r\nContent-Length: 0\r\n\r\n")
		return err
	}
}
