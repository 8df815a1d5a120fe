package capture

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Stream names one TCP connection: the side that connected and the side that accepted.
type Stream struct{ Client, Server netip.AddrPort }

// Options bound a capture file.
type Options struct {
	// MaxBytes rotates the file once it grows past this size: FILE becomes FILE.1 (FILE.1 becomes
	// FILE.2 …, up to Keep) and a fresh FILE starts with the recent key log. 0: 64 MiB.
	MaxBytes int64
	Keep     int // rotated files kept; 0: 1
	// KeyLines bounds the key-log lines remembered for a rotated file's first block. 0: 1024.
	KeyLines int
}

const (
	defaultMaxBytes = 64 << 20
	maxSegment      = 32 << 10 // TCP payload per synthetic segment, well inside an IP packet
)

// Writer writes pcapng: synthetic TCP around the bytes each side sent, and Decryption Secrets
// Blocks with the TLS key log ahead of the records those keys open. It is not safe for concurrent
// use: the Edge feeds it from one goroutine.
type Writer struct {
	path    string
	opts    Options
	file    io.WriteCloser
	bw      *bufio.Writer // under out: pcapgo's own 4 KiB buffer would cost a write for every few packets
	out     *countingWriter
	ng      *pcapgo.NgWriter
	streams map[Stream]*seqs
	keys    [][]byte
	randoms map[string]bool // client randoms whose keys are in the file
	buf     []byte
	err     error
}

// seqs is a stream's state: its sequence numbers and, until the TLS keys that open it are known,
// the segments held back. Wireshark reads a file in one pass, so a Decryption Secrets Block must come
// before the first record its keys decrypt; a TLS 1.2 server learns its keys only after reading the
// client's Finished, which has already been seen on the wire by then.
type seqs struct {
	client, server uint32
	random         string // the ClientHello's random, hex, as the key log names the connection
	keyed          bool   // the keys are in the file (or the stream is no TLS): nothing is held
	held           []heldSegment
	heldBytes      int
}

type heldSegment struct {
	src, dst netip.AddrPort
	seq, ack uint32
	flags    byte
	payload  []byte
	t        time.Time
	comment  string
}

// Bounds on what one stream holds back while its keys are awaited; past them it is written as it is.
const (
	maxHeldSegments = 256
	maxHeldBytes    = 1 << 20
)

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// Create opens path (0600: the key log it carries is a secret), truncating it.
func Create(path string, opts Options) (*Writer, error) {
	w := &Writer{path: path, opts: opts.withDefaults(), streams: map[Stream]*seqs{}, randoms: map[string]bool{}}
	if err := w.openFile(); err != nil {
		return nil, err
	}
	return w, nil
}

// NewWriter writes to out without rotation, for tests and for one attempt kept in memory.
func NewWriter(out io.Writer) (*Writer, error) {
	w := &Writer{opts: Options{}.withDefaults(), streams: map[Stream]*seqs{}, randoms: map[string]bool{}}
	w.opts.MaxBytes = 0
	if err := w.start(nopCloser{out}); err != nil {
		return nil, err
	}
	return w, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func (o Options) withDefaults() Options {
	if o.MaxBytes == 0 {
		o.MaxBytes = defaultMaxBytes
	}
	if o.Keep <= 0 {
		o.Keep = 1
	}
	if o.KeyLines <= 0 {
		o.KeyLines = 1024
	}
	return o
}

func (w *Writer) openFile() error {
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	if err := f.Chmod(0o600); err != nil { // an existing file keeps its mode otherwise
		_ = f.Close()
		return fmt.Errorf("capture: %w", err)
	}
	return w.start(f)
}

func (w *Writer) start(f io.WriteCloser) error {
	w.file, w.bw = f, bufio.NewWriterSize(f, 256<<10)
	w.out = &countingWriter{w: w.bw}
	intf := pcapgo.NgInterface{Name: "edgesim", Description: "federation connections of the emulated Edge",
		LinkType: layers.LinkTypeRaw, SnapLength: 0, TimestampResolution: 9}
	ng, err := pcapgo.NewNgWriterInterface(w.out, intf, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "edgesim"}})
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("capture: %w", err)
	}
	w.ng = ng
	if len(w.keys) > 0 {
		var all []byte
		for _, k := range w.keys {
			all = append(all, k...)
		}
		return w.writeDSB(all)
	}
	return nil
}

// Err is the first write error; once set, every call returns it.
func (w *Writer) Err() error { return w.err }

func (w *Writer) fail(err error) error {
	if err != nil && w.err == nil {
		w.err = fmt.Errorf("capture: %w", err)
	}
	return w.err
}

// Secrets writes NSS key-log lines as a Decryption Secrets Block and remembers them for a rotated file.
func (w *Writer) Secrets(lines []byte) error {
	if w.err != nil {
		return w.err
	}
	w.keys = append(w.keys, append([]byte(nil), lines...))
	if len(w.keys) > w.opts.KeyLines {
		w.keys = w.keys[len(w.keys)-w.opts.KeyLines:]
	}
	if err := w.writeDSB(lines); err != nil {
		return err
	}
	for _, r := range keyLogRandoms(lines) {
		if len(w.randoms) >= w.opts.KeyLines {
			clear(w.randoms) // the streams they open are long written
		}
		w.randoms[r] = true
	}
	for _, q := range w.streams {
		if !q.keyed && q.random != "" && w.randoms[q.random] {
			if err := w.release(q); err != nil {
				return err
			}
		}
	}
	return nil
}

// keyLogRandoms are the client randoms an NSS key log's lines name (their second field).
func keyLogRandoms(lines []byte) []string {
	var out []string
	for _, l := range strings.Split(string(lines), "\n") {
		if f := strings.Fields(l); len(f) >= 3 && !strings.HasPrefix(f[0], "#") {
			out = append(out, strings.ToLower(f[1]))
		}
	}
	return out
}

// clientRandom is the random of a ClientHello at the start of payload, hex; "" when it is not one.
func clientRandom(payload []byte) string {
	if len(payload) < 43 || payload[0] != 0x16 || payload[5] != 0x01 {
		return ""
	}
	return hex.EncodeToString(payload[11:43])
}

// release writes what a stream held back, now that its keys are in the file or waiting is pointless.
func (w *Writer) release(q *seqs) error {
	q.keyed = true
	held := q.held
	q.held, q.heldBytes = nil, 0
	for _, h := range held {
		if err := w.segment(h.src, h.dst, h.seq, h.ack, h.flags, h.payload, h.t, h.comment); err != nil {
			return err
		}
	}
	return nil
}

// emit writes a segment of q's stream, or holds it while q waits for its keys.
func (w *Writer) emit(q *seqs, h heldSegment) error {
	if q.keyed {
		return w.segment(h.src, h.dst, h.seq, h.ack, h.flags, h.payload, h.t, h.comment)
	}
	h.payload = append([]byte(nil), h.payload...)
	q.held = append(q.held, h)
	q.heldBytes += len(h.payload)
	if len(q.held) > maxHeldSegments || q.heldBytes > maxHeldBytes {
		return w.release(q)
	}
	return nil
}

func (w *Writer) writeDSB(lines []byte) error {
	// pcapgo buffers: its blocks go out first so the DSB lands in order.
	if err := w.ng.Flush(); err != nil {
		return w.fail(err)
	}
	w.buf = appendDSB(w.buf[:0], lines) // into the same buffered stream, so it stays in order
	if _, err := w.out.Write(w.buf); err != nil {
		return w.fail(err)
	}
	// Keys are rare (one handshake's lines) and precious: on disk now, and a full disk noticed now.
	return w.fail(w.bw.Flush())
}

// Open writes the three-way handshake of s, so the stream starts where Wireshark expects.
func (w *Writer) Open(s Stream, t time.Time) error {
	q := &seqs{client: 1000, server: 5000}
	w.streams[s] = q
	if err := w.segment(s.Client, s.Server, q.client, 0, flagSYN, nil, t, ""); err != nil {
		return err
	}
	if err := w.segment(s.Server, s.Client, q.server, q.client+1, flagSYN|flagACK, nil, t, ""); err != nil {
		return err
	}
	q.client++
	q.server++
	return w.segment(s.Client, s.Server, q.client, q.server, flagACK, nil, t, "")
}

func (w *Writer) stream(s Stream, t time.Time) (*seqs, error) {
	if q, ok := w.streams[s]; ok {
		return q, nil
	}
	if err := w.Open(s, t); err != nil {
		return nil, err
	}
	return w.streams[s], nil
}

// Data writes what one side sent; comment, when set, goes on the first segment (pcapng opt_comment).
func (w *Writer) Data(s Stream, fromClient bool, t time.Time, payload []byte, comment string) error {
	q, err := w.stream(s, t)
	if err != nil {
		return err
	}
	if !q.keyed && q.random == "" && fromClient {
		if q.random = clientRandom(payload); q.random == "" || w.randoms[q.random] {
			if err := w.release(q); err != nil { // no TLS to wait for, or its keys came first
				return err
			}
		}
	}
	for len(payload) > 0 {
		n := min(len(payload), maxSegment)
		if fromClient {
			err = w.emit(q, heldSegment{s.Client, s.Server, q.client, q.server, flagPSH | flagACK, payload[:n], t, comment})
			q.client += uint32(n)
		} else {
			err = w.emit(q, heldSegment{s.Server, s.Client, q.server, q.client, flagPSH | flagACK, payload[:n], t, comment})
			q.server += uint32(n)
		}
		if err != nil {
			return err
		}
		payload, comment = payload[n:], ""
	}
	return nil
}

// Close writes a FIN each way and forgets the stream.
func (w *Writer) Close(s Stream, t time.Time) error {
	q, ok := w.streams[s]
	if !ok {
		return w.err
	}
	delete(w.streams, s)
	if err := w.release(q); err != nil { // a refused handshake never gets its keys
		return err
	}
	if err := w.segment(s.Client, s.Server, q.client, q.server, flagFIN|flagACK, nil, t, ""); err != nil {
		return err
	}
	return w.segment(s.Server, s.Client, q.server, q.client+1, flagFIN|flagACK, nil, t, "")
}

func (w *Writer) segment(src, dst netip.AddrPort, seq, ack uint32, flags byte, payload []byte, t time.Time, comment string) error {
	if w.err != nil {
		return w.err
	}
	if src.Addr().Unmap().Is4() != dst.Addr().Unmap().Is4() {
		return errors.New("capture: mixed address families in one stream")
	}
	w.buf = appendSegment(w.buf[:0], src, dst, seq, ack, flags, payload)
	ci := gopacket.CaptureInfo{Timestamp: t, CaptureLength: len(w.buf), Length: len(w.buf)}
	var opts pcapgo.NgPacketOptions
	if comment != "" {
		opts.Comments = []string{comment}
	}
	if err := w.ng.WritePacketWithOptions(ci, w.buf, opts); err != nil {
		return w.fail(err)
	}
	if w.path != "" && w.out.n > w.opts.MaxBytes {
		return w.rotate()
	}
	return nil
}

// Flush writes out what pcapgo buffers.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.ng.Flush(); err != nil {
		return w.fail(err)
	}
	return w.fail(w.bw.Flush())
}

func (w *Writer) rotate() error {
	if err := w.closeFile(); err != nil {
		return w.fail(err)
	}
	for i := w.opts.Keep; i > 1; i-- {
		_ = os.Rename(w.path+"."+strconv.Itoa(i-1), w.path+"."+strconv.Itoa(i))
	}
	if err := os.Rename(w.path, w.path+".1"); err != nil {
		return w.fail(err)
	}
	return w.fail(w.openFile())
}

func (w *Writer) closeFile() error {
	err := w.ng.Flush()
	if err == nil {
		err = w.bw.Flush()
	}
	return errors.Join(err, w.file.Close())
}

// CloseFile flushes and closes the file.
func (w *Writer) CloseFile() error {
	if w.file == nil {
		return nil
	}
	for _, q := range w.streams {
		_ = w.release(q) // a stream still open writes what it holds; an error stays in w.err
	}
	err := w.closeFile()
	w.file = nil
	if w.err != nil {
		return w.err
	}
	return err
}
