package capture

import (
	"encoding/binary"
	"net/netip"
)

// TCP flags used by the synthetic segments.
const (
	flagFIN = 0x01
	flagSYN = 0x02
	flagPSH = 0x08
	flagACK = 0x10
)

// appendSegment appends one IPv4 or IPv6 packet carrying a TCP segment from src to dst, with
// correct IP and TCP checksums, so that no tool flags it.
func appendSegment(b []byte, src, dst netip.AddrPort, seq, ack uint32, flags byte, payload []byte) []byte {
	s, d := src.Addr().Unmap(), dst.Addr().Unmap()
	tcpLen := 20 + len(payload)
	start := len(b)
	if s.Is4() {
		b = append(b, 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0) // v4, IHL 5, DF, TTL 64, TCP
		binary.BigEndian.PutUint16(b[start+2:], uint16(20+tcpLen))
		sa, da := s.As4(), d.As4()
		b = append(b, sa[:]...)
		b = append(b, da[:]...)
		binary.BigEndian.PutUint16(b[start+10:], ^fold(sum(0, b[start:start+20])))
	} else {
		b = append(b, 0x60, 0, 0, 0, 0, 0, 6, 64) // v6, next header TCP, hop limit 64
		binary.BigEndian.PutUint16(b[start+4:], uint16(tcpLen))
		sa, da := s.As16(), d.As16()
		b = append(b, sa[:]...)
		b = append(b, da[:]...)
	}
	t := len(b)
	b = binary.BigEndian.AppendUint16(b, src.Port())
	b = binary.BigEndian.AppendUint16(b, dst.Port())
	b = binary.BigEndian.AppendUint32(b, seq)
	b = binary.BigEndian.AppendUint32(b, ack)
	b = append(b, 5<<4, flags, 0xff, 0xff, 0, 0, 0, 0) // data offset 5, window 65535, checksum, urgent
	b = append(b, payload...)
	// The pseudo-header: addresses, protocol and TCP length.
	var ps uint32
	if s.Is4() {
		ps = sum(0, b[start+12:start+20])
	} else {
		ps = sum(0, b[start+8:start+40])
	}
	ps += 6 + uint32(tcpLen)
	binary.BigEndian.PutUint16(b[t+16:], ^fold(sum(ps, b[t:])))
	return b
}

func sum(acc uint32, b []byte) uint32 {
	n := len(b) &^ 1
	for i := 0; i < n; i += 2 {
		acc += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		acc += uint32(b[len(b)-1]) << 8
	}
	return acc
}

func fold(acc uint32) uint16 {
	for acc>>16 != 0 {
		acc = acc&0xffff + acc>>16
	}
	return uint16(acc)
}
