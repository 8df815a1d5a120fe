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

// sum adds b, as big-endian 16-bit words, to the one's-complement sum acc. It reads 32-bit words
// into a 64-bit total, four times fewer steps over every payload byte: 2^16 and 2^32 are both 1
// modulo 0xffff, so the folded total is the one the 16-bit sum gives (TestSumIsTheRFC1071Sum).
func sum(acc uint32, b []byte) uint32 {
	total := uint64(acc)
	for len(b) >= 8 {
		total += uint64(binary.BigEndian.Uint32(b)) + uint64(binary.BigEndian.Uint32(b[4:]))
		b = b[8:]
	}
	if len(b) >= 4 {
		total += uint64(binary.BigEndian.Uint32(b))
		b = b[4:]
	}
	if len(b) >= 2 {
		total += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		total += uint64(b[0]) << 8
	}
	for total>>16 != 0 {
		total = total&0xffff + total>>16
	}
	return uint32(total)
}

func fold(acc uint32) uint16 {
	for acc>>16 != 0 {
		acc = acc&0xffff + acc>>16
	}
	return uint16(acc)
}
