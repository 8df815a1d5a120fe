package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"time"
)

// flood holds n silent TCP connections (no TLS, nothing sent) from source addresses spread over
// 127.0.0.0/8, so the per-address cap does not hide the total, then releases them all and times the
// first good mutual-TLS OPTIONS after the release: the Edge must serve it within a second.
func flood(addr string, cfg *tls.Config, n int, hold time.Duration) error {
	conns := make([]net.Conn, 0, n)
	failed := 0
	for i := range n {
		src := &net.TCPAddr{IP: net.IPv4(127, 1+byte(i/60000%200), byte(i/250%240), byte(1+i%250))}
		d := net.Dialer{LocalAddr: src, Timeout: 2 * time.Second}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			failed++
			continue
		}
		conns = append(conns, c)
	}
	fmt.Printf("flood: %d connections open, %d dials failed\n", len(conns), failed)
	during := time.Now()
	if c, err := options(addr, cfg, 0); err != nil {
		fmt.Printf("flood: a good OPTIONS during the flood failed after %s: %v\n", time.Since(during).Round(time.Millisecond), err)
	} else {
		c.Close()
		fmt.Printf("flood: a good OPTIONS during the flood took %s\n", time.Since(during).Round(time.Millisecond))
	}
	time.Sleep(hold)
	for _, c := range conns {
		c.Close()
	}
	released := time.Now()
	var lastErr error
	for time.Since(released) < 10*time.Second { // bounded: the verdict is the first success's time
		c, err := options(addr, cfg, 1)
		if err == nil {
			c.Close()
			took := time.Since(released)
			fmt.Printf("flood: released; the first good OPTIONS after the release took %s\n", took.Round(time.Millisecond))
			if took > time.Second {
				return fmt.Errorf("the Edge took %s to serve a good request after the flood (target: 1s)", took)
			}
			return nil
		}
		lastErr = err
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("no good OPTIONS within 10s of the release: %w", lastErr)
}
