package capture

import (
	"encoding/binary"
	"math/bits"
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

// sum adds b, as big-endian 16-bit words, to the one's-complement sum acc. It adds 64-bit
// little-endian words with the carry (two instructions a word once unrolled), then swaps the folded
// total's bytes: 2^16 is 1 modulo 0xffff, so the wide sum folds to the 16-bit one, and that sum is
// the same in either byte order but for a swap (RFC 1071, 2.B). TestSumIsTheRFC1071Sum holds it to
// the plain 16-bit sum.
func sum(acc uint32, b []byte) uint32 {
	var s, c uint64
	for len(b) >= 32 {
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[8:]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[16:]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[24:]), c)
		b = b[32:]
	}
	for len(b) >= 8 {
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b), c)
		b = b[8:]
	}
	var tail uint64 // the last bytes, zero-padded: a lone last byte is the low half of its word here
	for i := len(b) - 1; i >= 0; i-- {
		tail = tail<<8 | uint64(b[i])
	}
	s, c = bits.Add64(s, tail, c)
	s, c = bits.Add64(s, 0, c)
	s += c // a carry out of the last add leaves s small enough to take it
	s = s&0xffffffff + s>>32
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	total := uint64(acc) + uint64(bits.ReverseBytes16(uint16(s)))
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
