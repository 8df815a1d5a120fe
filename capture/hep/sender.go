package hep

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// batchWriter is sendmmsg where the platform has it (x/net writes one message at a time elsewhere).
type batchWriter interface {
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

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

	// Add and Flush's batch, owned by their one caller.
	pc    batchWriter
	batch []byte
	ends  [][2]int
	msgs  []ipv4.Message
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
	if addr.IP.To4() != nil {
		s.pc = ipv4.NewPacketConn(c)
	} else {
		s.pc = ipv6.NewPacketConn(c)
	}
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

// maxBatch bounds the packets Add keeps before Flush must send them.
const maxBatch = 256

// Add encodes p into the sender's batch, which Flush sends; a full batch is sent first. Add and
// Flush are for one goroutine (the Recorder's worker): they reuse one buffer and never allocate
// once it has grown, and a burst of packets costs one sendmmsg rather than one write each.
func (s *Sender) Add(p Packet) error {
	if len(s.ends) >= maxBatch {
		if err := s.Flush(); err != nil {
			return err
		}
	}
	start := len(s.batch)
	b, err := Append(s.batch, p)
	if err != nil {
		s.failed.Add(1)
		return err
	}
	s.batch = b
	s.ends = append(s.ends, [2]int{start, len(b)})
	return nil
}

// Flush sends what Add batched. UDP never waits for a receiver: a full socket buffer on its side
// loses packets there, not here.
func (s *Sender) Flush() error {
	if len(s.ends) == 0 {
		return nil
	}
	if cap(s.msgs) < len(s.ends) {
		s.msgs = make([]ipv4.Message, len(s.ends))
	}
	msgs := s.msgs[:len(s.ends)]
	for i, e := range s.ends {
		if msgs[i].Buffers == nil {
			msgs[i].Buffers = make([][]byte, 1)
		}
		msgs[i].Buffers[0] = s.batch[e[0]:e[1]]
	}
	n := len(msgs)
	_ = s.conn.SetWriteDeadline(time.Now().Add(time.Second))
	var err error
	for len(msgs) > 0 {
		var sent int
		if sent, err = s.pc.WriteBatch(msgs, 0); err != nil {
			break
		}
		msgs = msgs[sent:]
	}
	s.sent.Add(uint64(n - len(msgs)))
	if len(msgs) > 0 {
		s.failed.Add(uint64(len(msgs)))
		err = fmt.Errorf("hep: %d of %d packets not sent: %w", len(msgs), n, err)
	}
	s.batch, s.ends = s.batch[:0], s.ends[:0]
	return err
}
