package capture

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// TestDSBBytes spells out the Decryption Secrets Block for a 6-byte secret from the pcapng
// specification: type 0x0A, total length 28, secrets type "TLSK", length 6, data padded to 8.
func TestDSBBytes(t *testing.T) {
	want, _ := hex.DecodeString("0a000000" + "1c000000" + "4b534c54" + "06000000" + "6b65790a410a" + "0000" + "1c000000")
	if got := appendDSB(nil, []byte("key\nA\n")); !bytes.Equal(got, want) {
		t.Fatalf("DSB\n%x\nwant\n%x", got, want)
	}
	if got := appendDSB(nil, []byte("abcd")); len(got) != 24 {
		t.Fatalf("an aligned secret needs no padding: %d bytes", len(got))
	}
}

var stream = Stream{Client: netip.MustParseAddrPort("127.0.0.1:40000"), Server: netip.MustParseAddrPort("127.0.0.1:5061")}

func TestWriterReadsBack(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1767323045, 0)
	must(t, w.Open(stream, now))
	must(t, w.Secrets([]byte("CLIENT_RANDOM 00 11\n")))
	must(t, w.Data(stream, true, now, []byte("hello"), ""))
	must(t, w.Data(stream, false, now, bytes.Repeat([]byte{'x'}, maxSegment+10), "0xc3e93d67 refused"))
	must(t, w.Close(stream, now))
	must(t, w.Flush())
	if !bytes.Contains(buf.Bytes(), appendDSB(nil, []byte("CLIENT_RANDOM 00 11\n"))) {
		t.Fatal("no DSB in the stream")
	}
	r, err := pcapgo.NewNgReader(&buf, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	var payloads []int
	var comments []string
	for {
		data, _, opts, err := r.ReadPacketDataWithOptions()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := gopacket.NewPacket(data, layers.LayerTypeIPv4, gopacket.Default)
		tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if !ok {
			t.Fatalf("not TCP: %v", p)
		}
		if tcp.SrcPort != 40000 && tcp.SrcPort != 5061 {
			t.Fatalf("ports %d→%d", tcp.SrcPort, tcp.DstPort)
		}
		if err := tcp.SetNetworkLayerForChecksum(p.NetworkLayer()); err != nil {
			t.Fatal(err)
		}
		payloads = append(payloads, len(tcp.Payload))
		comments = append(comments, opts.Comments...)
	}
	// SYN, SYN/ACK, ACK, hello, two segments of x, FIN, FIN.
	want := []int{0, 0, 0, 5, maxSegment, 10, 0, 0}
	if len(payloads) != len(want) {
		t.Fatalf("payload sizes %v, want %v", payloads, want)
	}
	for i := range want {
		if payloads[i] != want[i] {
			t.Fatalf("payload sizes %v, want %v", payloads, want)
		}
	}
	if len(comments) != 1 || comments[0] != "0xc3e93d67 refused" {
		t.Fatalf("comments %q", comments)
	}
}

func TestChecksums(t *testing.T) {
	b := appendSegment(nil, stream.Client, stream.Server, 1, 2, flagACK, []byte("abc"))
	if fold(sum(0, b[:20])) != 0xffff {
		t.Fatal("IPv4 header checksum does not verify")
	}
	ps := sum(0, b[12:20]) + 6 + uint32(len(b)-20)
	if fold(sum(ps, b[20:])) != 0xffff {
		t.Fatal("TCP checksum does not verify")
	}
	v6 := Stream{Client: netip.MustParseAddrPort("[::1]:1"), Server: netip.MustParseAddrPort("[::1]:5061")}
	b = appendSegment(nil, v6.Client, v6.Server, 1, 2, flagACK, []byte("abc"))
	p := gopacket.NewPacket(b, layers.LayerTypeIPv6, gopacket.Default)
	if p.Layer(layers.LayerTypeTCP) == nil || p.ErrorLayer() != nil {
		t.Fatalf("IPv6 segment does not decode: %v", p)
	}
}

func TestRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "edge.pcapng")
	w, err := Create(path, Options{MaxBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	must(t, w.Secrets([]byte("CLIENT_RANDOM aa bb\n")))
	for range 10 {
		must(t, w.Data(stream, true, time.Now(), make([]byte, 1000), ""))
	}
	must(t, w.CloseFile())
	for _, p := range []string{path, path + ".1"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s mode %v: it holds secrets", p, fi.Mode())
		}
		b, _ := os.ReadFile(p)
		if !bytes.Contains(b, []byte("CLIENT_RANDOM aa bb")) {
			t.Fatalf("%s lacks the key log a rotated file starts with", p)
		}
	}
	if _, err := os.Stat(path + ".2"); err == nil {
		t.Fatal("kept more rotated files than Keep")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

func TestFailingWriterIsSticky(t *testing.T) {
	w, err := NewWriter(failingWriter{})
	if err != nil {
		t.Fatal(err) // pcapgo buffers the header
	}
	if err := w.Secrets([]byte("x\n")); err == nil {
		t.Fatal("a full disk went unnoticed")
	}
	if err := w.Data(stream, true, time.Now(), []byte("x"), ""); err == nil || w.Err() == nil {
		t.Fatal("the first error must stick")
	}
}

func TestCreateUnwritable(t *testing.T) {
	if _, err := Create(filepath.Join(t.TempDir(), "missing", "x.pcapng"), Options{}); err == nil {
		t.Fatal("an unwritable path must fail at start")
	}
	if _, err := OpenKeyLog(filepath.Join(t.TempDir(), "missing", "keys")); err == nil {
		t.Fatal("an unwritable key log must fail at start")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A TLS 1.2 server learns its keys after reading the client's Finished: the segments seen before
// must still land after the Decryption Secrets Block, or a one-pass reader cannot decrypt them.
func TestSecretsPrecedeTheRecordsTheyOpen(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	s := Stream{Client: netip.MustParseAddrPort("127.0.0.1:40000"), Server: netip.MustParseAddrPort("127.0.0.1:5061")}
	hello := make([]byte, 64)
	hello[0], hello[5] = 0x16, 0x01
	for i := 11; i < 43; i++ {
		hello[i] = byte(i)
	}
	now := time.Now()
	if err := w.Data(s, true, now, hello, ""); err != nil {
		t.Fatal(err)
	}
	if err := w.Data(s, true, now, []byte("CLIENT-FINISHED-AND-INVITE"), ""); err != nil {
		t.Fatal(err)
	}
	if err := w.Secrets([]byte("CLIENT_RANDOM " + hex.EncodeToString(hello[11:43]) + " 00\n")); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	dsb := bytes.Index(b, []byte{0x0a, 0, 0, 0})
	data := bytes.Index(b, []byte("CLIENT-FINISHED-AND-INVITE"))
	if dsb < 0 || data < 0 || dsb > data {
		t.Errorf("secrets block at %d, the data it opens at %d", dsb, data)
	}
	// A stream that is no TLS waits for nothing.
	plain := Stream{Client: netip.MustParseAddrPort("127.0.0.1:40001"), Server: s.Server}
	if err := w.Data(plain, true, now, []byte("OPTIONS sip:x SIP/2.0\r\n"), ""); err != nil {
		t.Fatal(err)
	}
	_ = w.Flush()
	if !bytes.Contains(buf.Bytes(), []byte("OPTIONS sip:x")) {
		t.Error("a plain stream was held back")
	}
}

// sum16 is RFC 1071's sum as written in the RFC, two bytes at a time: what sum must equal.
func sum16(acc uint32, b []byte) uint32 {
	for i := 0; i+1 < len(b); i += 2 {
		acc += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		acc += uint32(b[len(b)-1]) << 8
	}
	return acc
}

func TestSumIsTheRFC1071Sum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		for _, fillByte := range []int{-1, 0x00, 0xff} {
			b := make([]byte, n)
			for i := range b {
				if fillByte < 0 {
					b[i] = byte(rng.UintN(256))
				} else {
					b[i] = byte(fillByte)
				}
			}
			for _, acc := range []uint32{0, 6 + uint32(n), 0xffff, 0x1fffe} {
				if got, want := fold(sum(acc, b)), fold(sum16(acc, b)); got != want {
					t.Fatalf("%d bytes (fill %d), acc %#x: sum folds to %#x, RFC 1071 to %#x", n, fillByte, acc, got, want)
				}
			}
		}
	}
}
