package hep

import (
	"bytes"
	"encoding/hex"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// golden is a SIP packet from 192.0.2.10:40000 to 127.0.0.1:5061 at 2026-01-02T03:04:05.000006Z,
// written out chunk by chunk from the HEP3 specification, independently of the encoder.
var golden = strings.Join([]string{
	"48455033", "007b", // "HEP3", total length 123
	"0000" + "0001" + "0007" + "02",                                            // IP family: IPv4
	"0000" + "0002" + "0007" + "06",                                            // IP protocol: TCP
	"0000" + "0003" + "000a" + "c000020a",                                      // IPv4 source 192.0.2.10
	"0000" + "0004" + "000a" + "7f000001",                                      // IPv4 destination 127.0.0.1
	"0000" + "0007" + "0008" + "9c40",                                          // source port 40000
	"0000" + "0008" + "0008" + "13c5",                                          // destination port 5061
	"0000" + "0009" + "000a" + "695735a5",                                      // seconds 1767323045
	"0000" + "000a" + "000a" + "00000006",                                      // microseconds 6
	"0000" + "000b" + "0007" + "01",                                            // payload type SIP
	"0000" + "000c" + "000a" + "000007d0",                                      // capture agent 2000
	"0000" + "0011" + "0009" + "616263",                                        // correlation id "abc"
	"0000" + "000f" + "0015" + hex.EncodeToString([]byte("OPTIONS sip:x\r\n")), // payload, 15 bytes
}, "")

func TestAppendGolden(t *testing.T) {
	want, err := hex.DecodeString(golden)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Append(nil, Packet{
		Src: netip.MustParseAddrPort("192.0.2.10:40000"), Dst: netip.MustParseAddrPort("127.0.0.1:5061"),
		Proto: ProtoTCP, Time: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), Type: TypeSIP,
		CaptureID: 2000, CorrelationID: "abc", Payload: []byte("OPTIONS sip:x\r\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encoded\n%x\nwant\n%x", got, want)
	}
	chunks, err := Decode(got)
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) != 12 || chunks[11].Type != ChunkPayload || string(chunks[11].Value) != "OPTIONS sip:x\r\n" {
		t.Fatalf("decoded %+v", chunks)
	}
}

func TestAppendIPv6AndLog(t *testing.T) {
	b, err := Append(nil, Packet{Src: netip.MustParseAddrPort("[::1]:5061"), Dst: netip.MustParseAddrPort("[2001:db8::1]:1"),
		Proto: ProtoTCP, Time: time.Unix(0, 0), Type: TypeLog, Payload: []byte("log")})
	if err != nil {
		t.Fatal(err)
	}
	chunks, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	byType := map[uint16][]byte{}
	for _, c := range chunks {
		byType[c.Type] = c.Value
	}
	if byType[ChunkIPFamily][0] != FamilyIPv6 || len(byType[ChunkIPv6Src]) != 16 || byType[ChunkProtoType][0] != TypeLog {
		t.Fatalf("chunks %v", byType)
	}
	if _, ok := byType[ChunkCorrelationID]; ok {
		t.Fatal("an empty correlation id must leave the chunk out")
	}
}

func TestAppendRefuses(t *testing.T) {
	if _, err := Append(nil, Packet{Src: netip.MustParseAddrPort("[::1]:1"), Dst: netip.MustParseAddrPort("127.0.0.1:1")}); err != ErrFamily {
		t.Fatalf("mixed families: %v", err)
	}
	big := Packet{Src: netip.MustParseAddrPort("127.0.0.1:1"), Dst: netip.MustParseAddrPort("127.0.0.1:2"), Payload: make([]byte, 70000)}
	if _, err := Append(nil, big); err != ErrTooLarge {
		t.Fatalf("oversized: %v", err)
	}
}

func TestDialErrors(t *testing.T) {
	for _, target := range []string{"127.0.0.1:9060", "udp:nohost", "udp:host.invalid:9060"} {
		if _, err := Dial(target, 0); err == nil {
			t.Errorf("Dial(%q) succeeded", target)
		}
	}
}

func TestSenderDelivers(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	s, err := Dial("udp:"+pc.LocalAddr().String(), 4)
	if err != nil {
		t.Fatal(err)
	}
	p := Packet{Src: netip.MustParseAddrPort("127.0.0.1:1"), Dst: netip.MustParseAddrPort("127.0.0.1:2"), Type: TypeSIP, Payload: []byte("x")}
	if err := s.Send(p); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2048)
	_ = pc.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(buf[:n]); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(p); err == nil {
		t.Fatal("Send after Close succeeded")
	}
}
