package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// flood holds n silent TCP connections (no TLS, nothing sent) from source addresses spread over
// 127.0.0.0/8, so the per-address cap does not hide the total, then releases them all and times the
// first good mutual-TLS OPTIONS after the release: the Edge must serve it within a second.
//
// One process can hold only as many sockets as its descriptor limit allows, and raising the hard
// limit needs CAP_SYS_RESOURCE, which a container's root may lack (this machine's is 20,000). So
// the connections are held by child processes ("flood-part"), each well within its own limit;
// this process only probes, releases and times.
func flood(addr string, cfg *tls.Config, n int, hold time.Duration) error {
	raiseFileLimit()
	parts, err := startParts(addr, n, perProcess())
	defer func() {
		for _, p := range parts {
			p.release()
		}
	}()
	if err != nil {
		return err
	}
	open, failed := 0, 0
	for _, p := range parts {
		open, failed = open+p.open, failed+p.failed
	}
	fmt.Printf("flood: %d connections open in %d processes, %d dials failed\n", open, len(parts), failed)
	during := time.Now()
	if c, err := options(addr, cfg, 0, nil); err != nil {
		fmt.Printf("flood: a good OPTIONS during the flood failed after %s: %v\n", time.Since(during).Round(time.Millisecond), err)
	} else {
		c.Close()
		fmt.Printf("flood: a good OPTIONS during the flood took %s\n", time.Since(during).Round(time.Millisecond))
	}
	time.Sleep(hold)
	for _, p := range parts {
		p.release()
	}
	released := time.Now()
	return firstGoodAfter(addr, cfg, released)
}

// firstGoodAfter retries a good OPTIONS until one succeeds, bounded at 10 s; the verdict is its time.
func firstGoodAfter(addr string, cfg *tls.Config, released time.Time) error {
	var lastErr error
	for time.Since(released) < 10*time.Second {
		c, err := options(addr, cfg, 1, nil)
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

// raiseFileLimit lifts the soft descriptor limit to the hard one: that much needs no privilege.
func raiseFileLimit() {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && lim.Cur < lim.Max {
		lim.Cur = lim.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
}

// perProcess is how many connections one child holds: its limit less room for everything else.
func perProcess() int {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil || lim.Cur < 2048 {
		return 1000
	}
	return min(10000, int(lim.Cur)-1024)
}

// part is one child holding connections until its standard input closes.
type part struct {
	child
	open, failed int
}

func startParts(addr string, n, per int) ([]*part, error) {
	var parts []*part
	for first := 0; first < n; first += per {
		p, err := startPart(addr, first, min(per, n-first))
		if err != nil {
			return parts, err
		}
		parts = append(parts, p)
	}
	return parts, nil
}

// startPart runs a child for connections first … first+count-1 and waits (bounded) for its tally.
func startPart(addr string, first, count int) (*part, error) {
	cmd, stdin, stdout, err := startChild("flood-part", "-addr", addr, "-first", strconv.Itoa(first), "-n", strconv.Itoa(count))
	if err != nil {
		return nil, err
	}
	p := &part{child: child{cmd: cmd, stdin: stdin}}
	tally := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		tally <- line
	}()
	select {
	case line := <-tally:
		if _, err := fmt.Sscanf(strings.TrimSpace(line), "open %d failed %d", &p.open, &p.failed); err != nil {
			p.release()
			return nil, fmt.Errorf("flood part at %d: tally %q: %w", first, line, err)
		}
	case <-time.After(2 * time.Minute):
		p.release()
		return nil, fmt.Errorf("flood part at %d: no tally within 2 minutes", first)
	}
	return p, nil
}

// child is a running child of startChild.
type child struct {
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	released bool
}

// release closes the child's input, which makes it close its connections and exit, and waits.
func (c *child) release() {
	if c.released {
		return
	}
	c.released = true
	_ = c.stdin.Close()
	_ = c.cmd.Wait()
}

// floodPart is the child: it opens its connections, reports "open N failed M", holds them until
// its standard input closes (the parent's release, or the parent's death), then closes them.
func floodPart(addr string, first, n int) error {
	raiseFileLimit()
	conns := make([]net.Conn, 0, n)
	failed := 0
	var firstErr error
	for i := first; i < first+n; i++ {
		c, err := dialSilent(addr, i)
		if err != nil {
			failed++
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		conns = append(conns, c)
	}
	if firstErr != nil {
		fmt.Fprintf(os.Stderr, "flood part at %d: first failed dial: %v\n", first, firstErr)
	}
	fmt.Printf("open %d failed %d\n", len(conns), failed)
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
	return nil
}

// dialSilent connects from a loopback source of its own (sourceFor: under the
// Edge's per-address cap), so the global bound, not the per-address one, meets the flood.
func dialSilent(addr string, i int) (net.Conn, error) {
	d := net.Dialer{LocalAddr: sourceFor(i), Timeout: 2 * time.Second}
	return d.Dial("tcp", addr)
}

// startChild runs this program again as a child in mode with args, its stdin and stdout piped to
// the caller (which tells it when to let go and reads its tally) and its stderr shared.
func startChild(mode string, args ...string) (*exec.Cmd, io.WriteCloser, io.ReadCloser, error) {
	cmd := exec.Command(os.Args[0], append([]string{mode}, args...)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, nil, err
	}
	return cmd, stdin, stdout, nil
}
