package hep

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Sender sends HEP packets over UDP from one goroutine behind a bounded queue: a slow or absent
// receiver costs counted drops, never a wait on the caller's side.
type Sender struct {
	conn    net.Conn
	queue   chan []byte
	done    chan struct{}
	wg      sync.WaitGroup
	sent    atomic.Uint64
	dropped atomic.Uint64
	failed  atomic.Uint64
}

// ParseTarget reads "udp:HOST:PORT", the form sngrep -L takes.
func ParseTarget(s string) (string, error) {
	rest, ok := strings.CutPrefix(s, "udp:")
	if !ok {
		return "", fmt.Errorf("hep: target %q: want udp:HOST:PORT", s)
	}
	if _, _, err := net.SplitHostPort(rest); err != nil {
		return "", fmt.Errorf("hep: target %q: %w", s, err)
	}
	return rest, nil
}

// Dial resolves target ("udp:HOST:PORT") now, so a name that does not resolve is an error at start.
func Dial(target string, queue int) (*Sender, error) {
	hp, err := ParseTarget(target)
	if err != nil {
		return nil, err
	}
	addr, err := net.ResolveUDPAddr("udp", hp)
	if err != nil {
		return nil, fmt.Errorf("hep: resolve %s: %w", hp, err)
	}
	c, err := net.DialUDP("udp", nil, addr)
	if err != nil {
		return nil, fmt.Errorf("hep: %w", err)
	}
	if queue <= 0 {
		queue = 1024
	}
	s := &Sender{conn: c, queue: make(chan []byte, queue), done: make(chan struct{})}
	s.wg.Add(1)
	go s.loop()
	return s, nil
}

func (s *Sender) loop() {
	defer s.wg.Done()
	for {
		select {
		case b := <-s.queue:
			s.write(b)
		case <-s.done:
			for {
				select {
				case b := <-s.queue:
					s.write(b)
				default:
					return
				}
			}
		}
	}
}

func (s *Sender) write(b []byte) {
	_ = s.conn.SetWriteDeadline(time.Now().Add(time.Second))
	if _, err := s.conn.Write(b); err != nil {
		// An ICMP port-unreachable from an absent receiver comes back as an error on the next write.
		s.failed.Add(1)
		return
	}
	s.sent.Add(1)
}

// Send encodes p and queues it; a full queue drops it and counts the drop.
func (s *Sender) Send(p Packet) error {
	b, err := Append(nil, p)
	if err != nil {
		s.failed.Add(1)
		return err
	}
	select {
	case <-s.done:
		return errors.New("hep: sender closed")
	default:
	}
	select {
	case s.queue <- b:
	default:
		s.dropped.Add(1)
	}
	return nil
}

// Stats are the sender's counts: packets written, dropped on a full queue, failed to encode or write.
func (s *Sender) Stats() (sent, dropped, failed uint64) {
	return s.sent.Load(), s.dropped.Load(), s.failed.Load()
}

// Close sends what is queued and closes the socket.
func (s *Sender) Close() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	close(s.done)
	s.wg.Wait()
	return s.conn.Close()
}
