package lync

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"strings"
)

// Media is where the client says it receives audio, and the random parts of an offer or answer:
// drawn once per call so the same body can be rendered again byte for byte.
type Media struct {
	Addr      netip.Addr
	Port      int    // RTP; RTCP is Port+1
	SessionID uint64 // o= session id and version
	ICEUfrag  string // 4 characters
	ICEPwd    string // 24 characters
	Keys      [3]string
	SSRCStart uint32
}

// NewMedia draws a call's random media parts from r (crypto/rand when nil).
func NewMedia(addr netip.Addr, port int, r io.Reader) Media {
	if r == nil {
		r = rand.Reader
	}
	var b [8 + 3 + 18 + 3*30 + 4]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		_, _ = rand.Read(b[:])
	}
	// Fixed widths (19 and 10 digits) keep a body's length the same from call to call.
	m := Media{Addr: addr, Port: port, SessionID: 1e18 + binary.BigEndian.Uint64(b[0:8])%8e18,
		ICEUfrag:  base64.RawStdEncoding.EncodeToString(b[8:11]),
		ICEPwd:    base64.RawStdEncoding.EncodeToString(b[11:29]),
		SSRCStart: 1e9 + binary.BigEndian.Uint32(b[119:123])%1e7*100}
	for i := range m.Keys {
		m.Keys[i] = base64.StdEncoding.EncodeToString(b[29+30*i : 59+30*i])
	}
	return m
}

// codec is one payload type the client offers, in its order of preference, with its fmtp when it has one.
type codec struct {
	pt        int
	enc, fmtp string
}

// lyncCodecs is the audio list of Lync 2013 and Skype for Business clients' offers (public fixtures;
// docs/edge-behaviour.md §7).
var lyncCodecs = []codec{
	{pt: 117, enc: "G722/8000/2"},
	{pt: 104, enc: "SILK/16000", fmtp: "useinbandfec=1; usedtx=0"},
	{pt: 114, enc: "x-msrta/16000", fmtp: "bitrate=29000"},
	{pt: 9, enc: "G722/8000"},
	{pt: 112, enc: "G7221/16000", fmtp: "bitrate=24000"},
	{pt: 111, enc: "SIREN/16000", fmtp: "bitrate=16000"},
	{pt: 0, enc: "PCMU/8000"},
	{pt: 8, enc: "PCMA/8000"},
	{pt: 103, enc: "SILK/8000", fmtp: "useinbandfec=1; usedtx=0"},
	{pt: 116, enc: "AAL2-G726-32/8000"},
	{pt: 115, enc: "x-msrta/8000", fmtp: "bitrate=11800"},
	{pt: 97, enc: "RED/8000"},
	{pt: 13, enc: "CN/8000"},
	{pt: 118, enc: "CN/16000"},
	{pt: 119, enc: "CN/24000"},
	{pt: 101, enc: "telephone-event/8000", fmtp: "0-16"},
}

// plainCodecs is the generic offer: G.711 and DTMF on RTP/AVP.
var plainCodecs = []codec{{pt: 0, enc: "PCMU/8000"}, {pt: 8, enc: "PCMA/8000"}, {pt: 101, enc: "telephone-event/8000", fmtp: "0-16"}}

func (m Media) ipVer() string {
	if m.Addr.Is6() && !m.Addr.Is4In6() {
		return "IP6"
	}
	return "IP4"
}

// audioSDP writes one SDP description. ice6 selects the draft-6 ICE of Lync's fallback part.
func (m Media) audioSDP(codecs []codec, savp, ice6 bool) string {
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\r\n", a...) }
	ip, ver := m.Addr.String(), m.ipVer()
	line("v=0")
	line("o=- %d 0 IN %s %s", m.SessionID, ver, ip)
	line("s=session")
	line("c=IN %s %s", ver, ip)
	if savp {
		line("b=CT:99980")
	}
	line("t=0 0")
	proto := "RTP/AVP"
	if savp {
		proto = "RTP/SAVP"
	}
	pts := make([]string, len(codecs))
	for i, c := range codecs {
		pts[i] = fmt.Sprint(c.pt)
	}
	line("m=audio %d %s %s", m.Port, proto, strings.Join(pts, " "))
	if savp {
		m.lyncAttributes(line, ice6)
	}
	for _, c := range codecs {
		line("a=rtpmap:%d %s", c.pt, c.enc)
		if c.fmtp != "" {
			line("a=fmtp:%d %s", c.pt, c.fmtp)
		}
	}
	if savp {
		line("a=ptime:20")
	} else {
		line("a=sendrecv")
	}
	return b.String()
}

// lyncAttributes are the media attributes between the m= line and the codecs in a Lync offer: ICE,
// SRTP keys, the SSRC range and Microsoft's RTCP feedback.
func (m Media) lyncAttributes(line func(string, ...any), ice6 bool) {
	ip := m.Addr.String()
	line("a=x-ssrc-range:%d-%d", m.SSRCStart, m.SSRCStart+99)
	line("a=rtcp-fb:* x-message app send:dsh recv:dsh")
	line("a=rtcp-rsize")
	line("a=label:main-audio")
	line("a=x-source:main-audio")
	if ice6 {
		// Draft-6 ICE: the credentials ride on every candidate, priorities are fractions.
		line("a=ice-ufrag:%s", m.ICEUfrag)
		line("a=ice-pwd:%s", m.ICEPwd)
		line("a=candidate:%s 1 %s UDP 0.830 %s %d", m.ICEUfrag+"Aa", m.ICEPwd, ip, m.Port)
		line("a=candidate:%s 2 %s UDP 0.830 %s %d", m.ICEUfrag+"Aa", m.ICEPwd, ip, m.Port+1)
	} else {
		line("a=ice-ufrag:%s", m.ICEUfrag)
		line("a=ice-pwd:%s", m.ICEPwd)
		line("a=candidate:1 1 UDP 2130706431 %s %d typ host", ip, m.Port)
		line("a=candidate:1 2 UDP 2130705918 %s %d typ host", ip, m.Port+1)
	}
	line("a=cryptoscale:1 client AES_CM_128_HMAC_SHA1_80 inline:%s|2^31|1:1", m.Keys[0])
	line("a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:%s|2^31|1:1", m.Keys[1])
	line("a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:%s|2^31", m.Keys[2])
	line("a=maxptime:200")
	line("a=rtcp:%d", m.Port+1)
}

// Boundary is the multipart boundary of the Lync 2013 offer, in the form Lync writes it.
const Boundary = "----=_NextPart_000_001C_01D282D0.D2055920"

// Offer is the client's SDP offer under the profile: its Content-Type and body.
func (p Profile) Offer(m Media) (contentType string, body []byte) {
	switch p {
	case Plain:
		return "application/sdp", []byte(m.audioSDP(plainCodecs, false, false))
	case SfB2015:
		return "application/sdp", []byte(m.audioSDP(lyncCodecs, true, false))
	}
	var b strings.Builder
	part := func(disposition, sdp string) {
		b.WriteString("--" + Boundary + "\r\n")
		b.WriteString("Content-Type: application/sdp\r\n")
		b.WriteString("Content-Transfer-Encoding: 7bit\r\n")
		b.WriteString("Content-Disposition: " + disposition + "\r\n\r\n")
		b.WriteString(sdp)
		b.WriteString("\r\n")
	}
	part("session; handling=optional; ms-proxy-2007fallback", m.audioSDP(lyncCodecs, true, true))
	part("session; handling=optional", m.audioSDP(lyncCodecs, true, false))
	b.WriteString("--" + Boundary + "--\r\n")
	return `multipart/alternative;boundary="` + Boundary + `"`, []byte(b.String())
}
