package main

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// holdConns opens n mutual-TLS connections, one OPTIONS on each, prints "held OK/N" (the script
// samples the server's RSS on that line), keeps them idle for hold, then sends one more OPTIONS on
// every connection and prints "answering OK/N": a parked connection must still be a working one.
//
// The connections come from source addresses spread over 127.0.0.0/8 (the Edge caps connections
// per address) and are held by child processes ("hold-part"), each within its descriptor limit,
// as flood does: the hard limit cannot be raised here.
func holdConns(addr string, flags tlsFlags, n int, hold time.Duration) error {
	raiseFileLimit()
	var parts []*holdPart
	defer func() {
		for _, p := range parts {
			p.release()
		}
	}()
	per := perProcess()
	held := 0
	var failures []error
	for first := 0; first < n; first += per {
		p, err := startHoldPart(addr, flags, first, min(per, n-first))
		if err != nil {
			return err
		}
		parts = append(parts, p)
		held += p.ok
		if p.ok < p.n {
			failures = append(failures, fmt.Errorf("part at %d: %d of %d failed", first, p.n-p.ok, p.n))
		}
	}
	fmt.Printf("held %d/%d\n", held, n)
	time.Sleep(hold)
	answering := 0
	for _, p := range parts {
		ok, err := p.again()
		if err != nil {
			return err
		}
		answering += ok
	}
	fmt.Printf("answering %d/%d\n", answering, n)
	if held != n || answering != n {
		return fmt.Errorf("held %d and %d still answering of %d: %w", held, answering, n, errors.Join(failures...))
	}
	return nil
}

// tlsFlags is what a child needs to build the same client configuration.
type tlsFlags struct{ cert, key, ca, serverName string }

// holdPart is one child holding connections; it answers "open N failed M" once, then one
// "answered OK of N" per line "again" on its input, and closes everything when its input ends.
type holdPart struct {
	child
	out   *bufio.Reader
	n, ok int
}

func startHoldPart(addr string, f tlsFlags, first, count int) (*holdPart, error) {
	cmd, stdin, stdout, err := startChild("hold-part", "-addr", addr, "-cert", f.cert, "-key", f.key, "-ca", f.ca,
		"-servername", f.serverName, "-first", strconv.Itoa(first), "-n", strconv.Itoa(count))
	if err != nil {
		return nil, err
	}
	p := &holdPart{child: child{cmd: cmd, stdin: stdin}, out: bufio.NewReader(stdout), n: count}
	line, err := p.line(5 * time.Minute)
	if err != nil {
		p.release()
		return nil, fmt.Errorf("hold part at %d: %w", first, err)
	}
	var failed int
	if _, err := fmt.Sscanf(line, "open %d failed %d", &p.ok, &failed); err != nil {
		p.release()
		return nil, fmt.Errorf("hold part at %d: tally %q: %w", first, line, err)
	}
	return p, nil
}

// line reads the child's next line, bounded by d.
func (p *holdPart) line(d time.Duration) (string, error) {
	got := make(chan string, 1)
	go func() {
		l, _ := p.out.ReadString('\n')
		got <- strings.TrimSpace(l)
	}()
	select {
	case l := <-got:
		if l == "" {
			return "", errors.New("the child ended without a tally")
		}
		return l, nil
	case <-time.After(d):
		return "", fmt.Errorf("no tally within %s", d)
	}
}

// again has the child send one more OPTIONS on each of its connections; it returns how many answered.
func (p *holdPart) again() (int, error) {
	if _, err := io.WriteString(p.stdin, "again\n"); err != nil {
		return 0, err
	}
	line, err := p.line(5 * time.Minute)
	if err != nil {
		return 0, err
	}
	var ok, n int
	if _, err := fmt.Sscanf(line, "answered %d of %d", &ok, &n); err != nil {
		return 0, fmt.Errorf("tally %q: %w", line, err)
	}
	return ok, nil
}

// holdPartMain is the child: connections first … first+n-1, each from its own loopback source.
func holdPartMain(addr string, cfg *tls.Config, first, n int) error {
	raiseFileLimit()
	conns := make([]net.Conn, n)
	var firstErr error
	var mu sync.Mutex
	ok := eachConcurrently(n, func(k int) bool {
		c, err := options(addr, cfg, first+k, sourceFor(first+k))
		if err != nil {
			mu.Lock()
			if firstErr == nil {
				firstErr = err
			}
			mu.Unlock()
			return false
		}
		conns[k] = c
		return true
	})
	if firstErr != nil {
		fmt.Fprintf(os.Stderr, "hold part at %d: first failure: %v\n", first, firstErr)
	}
	fmt.Printf("open %d failed %d\n", ok, n-ok)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() { // each "again": one more OPTIONS on every connection, a number of its own
		answered := eachConcurrently(n, func(k int) bool {
			return conns[k] != nil && optionsOn(conns[k], first+k+10_000_000) == nil
		})
		fmt.Printf("answered %d of %d\n", answered, n)
	}
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
	return nil
}

// eachConcurrently runs do(0 … n-1), a few at a time (the point is idle memory, not a handshake
// storm), and counts the true results.
func eachConcurrently(n int, do func(k int) bool) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	sem := make(chan struct{}, 8)
	for k := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if do(k) {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return ok
}

// sourceFor is connection i's source address: a new loopback address for each, so the Edge's
// per-address cap never meets the held connections (bench/flood.sh spreads its sources the same way).
func sourceFor(i int) *net.TCPAddr {
	return &net.TCPAddr{IP: net.IPv4(127, 1+byte(i/60000%200), byte(i/250%240), byte(1+i%250))}
}
