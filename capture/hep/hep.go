// Package hep encodes HEP v3 (the Homer Encapsulation Protocol, sipcapture/HEP's "HEP3" specification)
// packets: what sngrep -L and HOMER receive. It only encodes; it knows no socket policy beyond Sender.
//
// A packet is the four bytes "HEP3", a big-endian uint16 total length, then chunks. Each chunk is a
// vendor id (0 for the generic chunks), a type id and a length (all uint16, big-endian, the length
// counting the six header bytes) followed by the value.
package hep

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"time"
)

// Generic chunk types (vendor 0) of HEP v3.
const (
	ChunkIPFamily      = 0x0001 // uint8: 2 IPv4, 10 IPv6
	ChunkIPProto       = 0x0002 // uint8: 6 TCP, 17 UDP
	ChunkIPv4Src       = 0x0003
	ChunkIPv4Dst       = 0x0004
	ChunkIPv6Src       = 0x0005
	ChunkIPv6Dst       = 0x0006
	ChunkSrcPort       = 0x0007 // uint16
	ChunkDstPort       = 0x0008 // uint16
	ChunkTimeSec       = 0x0009 // uint32 seconds since the epoch
	ChunkTimeUsec      = 0x000a // uint32 microseconds within the second
	ChunkProtoType     = 0x000b // uint8: 1 SIP, 100 log
	ChunkCaptureID     = 0x000c // uint32
	ChunkAuthKey       = 0x000e // string
	ChunkPayload       = 0x000f // bytes
	ChunkCorrelationID = 0x0011 // string: the Call-ID
)

// Address families and payload types used by edgesim.
const (
	FamilyIPv4 = 2
	FamilyIPv6 = 10
	ProtoTCP   = 6
	ProtoUDP   = 17
	TypeSIP    = 1
	TypeLog    = 100
)

// Packet is one captured message as HEP carries it.
type Packet struct {
	Src, Dst      netip.AddrPort
	Proto         uint8 // ProtoTCP for SIP over TLS
	Time          time.Time
	Type          uint8 // TypeSIP or TypeLog
	CaptureID     uint32
	AuthKey       string // "" leaves the chunk out
	CorrelationID string // "" leaves the chunk out
	Payload       []byte
}

// ErrTooLarge is a packet whose chunks do not fit HEP's 16-bit lengths.
var ErrTooLarge = errors.New("hep: packet longer than 65535 bytes")

// ErrFamily is a source and destination of different address families, or an invalid address.
var ErrFamily = errors.New("hep: source and destination must both be IPv4 or both IPv6")

// Append encodes p after b. Chunks go in type order; the header's length is the whole packet's.
func Append(b []byte, p Packet) ([]byte, error) {
	src, dst := p.Src.Addr().Unmap(), p.Dst.Addr().Unmap()
	if !src.IsValid() || !dst.IsValid() || src.Is4() != dst.Is4() {
		return b, ErrFamily
	}
	start := len(b)
	b = append(b, 'H', 'E', 'P', '3', 0, 0)
	fam, srcType, dstType := uint8(FamilyIPv4), uint16(ChunkIPv4Src), uint16(ChunkIPv4Dst)
	if src.Is6() {
		fam, srcType, dstType = FamilyIPv6, ChunkIPv6Src, ChunkIPv6Dst
	}
	b = chunk(b, ChunkIPFamily, fam)
	b = chunk(b, ChunkIPProto, p.Proto)
	b = chunkBytes(b, srcType, src.AsSlice())
	b = chunkBytes(b, dstType, dst.AsSlice())
	b = chunk16(b, ChunkSrcPort, p.Src.Port())
	b = chunk16(b, ChunkDstPort, p.Dst.Port())
	b = chunk32(b, ChunkTimeSec, uint32(p.Time.Unix()))
	b = chunk32(b, ChunkTimeUsec, uint32(p.Time.Nanosecond()/1000))
	b = chunk(b, ChunkProtoType, p.Type)
	b = chunk32(b, ChunkCaptureID, p.CaptureID)
	if p.AuthKey != "" {
		b = chunkBytes(b, ChunkAuthKey, []byte(p.AuthKey))
	}
	if p.CorrelationID != "" {
		b = chunkBytes(b, ChunkCorrelationID, []byte(p.CorrelationID))
	}
	if len(p.Payload) > 0xffff-6 {
		return b[:start], ErrTooLarge
	}
	b = chunkBytes(b, ChunkPayload, p.Payload)
	n := len(b) - start
	if n > 0xffff {
		return b[:start], ErrTooLarge
	}
	binary.BigEndian.PutUint16(b[start+4:], uint16(n))
	return b, nil
}

func head(b []byte, typ uint16, n int) []byte {
	b = binary.BigEndian.AppendUint16(b, 0) // generic vendor
	b = binary.BigEndian.AppendUint16(b, typ)
	return binary.BigEndian.AppendUint16(b, uint16(6+n))
}

func chunk(b []byte, typ uint16, v uint8) []byte { return append(head(b, typ, 1), v) }

func chunk16(b []byte, typ uint16, v uint16) []byte {
	return binary.BigEndian.AppendUint16(head(b, typ, 2), v)
}

func chunk32(b []byte, typ uint16, v uint32) []byte {
	return binary.BigEndian.AppendUint32(head(b, typ, 4), v)
}

func chunkBytes(b []byte, typ uint16, v []byte) []byte { return append(head(b, typ, len(v)), v...) }

// Chunk is one decoded chunk.
type Chunk struct {
	Vendor, Type uint16
	Value        []byte
}

// Decode splits one HEP v3 packet into its chunks, checking every length; it is the spec's reader,
// used by tests and by anyone checking what was sent.
func Decode(b []byte) ([]Chunk, error) {
	if len(b) < 6 || string(b[:4]) != "HEP3" {
		return nil, errors.New("hep: not a HEP3 packet")
	}
	total := int(binary.BigEndian.Uint16(b[4:]))
	if total != len(b) {
		return nil, errors.New("hep: length field does not match the packet")
	}
	var out []Chunk
	for i := 6; i < total; {
		if total-i < 6 {
			return nil, errors.New("hep: truncated chunk header")
		}
		n := int(binary.BigEndian.Uint16(b[i+4:]))
		if n < 6 || i+n > total {
			return nil, errors.New("hep: chunk length out of range")
		}
		out = append(out, Chunk{Vendor: binary.BigEndian.Uint16(b[i:]), Type: binary.BigEndian.Uint16(b[i+2:]), Value: b[i+6 : i+n]})
		i += n
	}
	return out, nil
}
