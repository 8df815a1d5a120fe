package edge

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// ClientView is the final answer as the Skype client receives it from its Front End (docs/edge-behaviour.md §3):
// signed by TLS-DSK, its Via stamped by the Front End. The random parts are fields so the
// rendering stays a pure function.
type ClientView struct {
	Status     int
	Reason     string
	Diagnostic string // the ms-diagnostics value; "" leaves the header out
	TargetName string // the Front End: SfBFE.<first served domain>
	Realm      string // "" → SIP Communications Service
	Client     netip.AddrPort
	CID        uint32 // ms-received-cid, written in upper-case hex
	Opaque     string
	SRand      string
	SNum       int
	RSPAuth    string
	Server     string // "" → RTC/6.0
}

// NewClientView fills the random parts from r the way the Front End's look: 8 hex digits of
// opaque and srand, a small decimal snum, a 40-digit rspauth, an ephemeral client port.
func NewClientView(r io.Reader, status int, reason, diagnostic, servedDomain string) ClientView {
	var b [40]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		_, _ = rand.Read(b[:])
	}
	u := func(i int) uint32 { return binary.BigEndian.Uint32(b[i : i+4]) }
	return ClientView{
		Status: status, Reason: reason, Diagnostic: diagnostic,
		TargetName: "SfBFE." + servedDomain,
		Client:     netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(49152+u(0)%16384)),
		CID:        0x100 + u(4)%0xFFF00,
		Opaque:     strings.ToUpper(hex.EncodeToString(b[8:12])),
		SRand:      strings.ToUpper(hex.EncodeToString(b[12:16])),
		SNum:       1 + int(u(16)%99),
		RSPAuth:    hex.EncodeToString(b[20:40]),
	}
}

// Append renders the view, CRLF line ends, exactly as the seed's capture lays it out.
func (v ClientView) Append(dst []byte) []byte {
	realm, server := v.Realm, v.Server
	if realm == "" {
		realm = "SIP Communications Service"
	}
	if server == "" {
		server = "RTC/6.0"
	}
	port := strconv.Itoa(int(v.Client.Port()))
	line := func(parts ...string) {
		for _, p := range parts {
			dst = append(dst, p...)
		}
		dst = append(dst, "\r\n"...)
	}
	line("SIP/2.0 ", strconv.Itoa(v.Status), " ", v.Reason)
	line(`Authentication-Info: TLS-DSK qop="auth", opaque="`, v.Opaque, `", srand="`, v.SRand, `", snum="`, strconv.Itoa(v.SNum),
		`", rspauth="`, v.RSPAuth, `", targetname="`, v.TargetName, `", realm="`, realm, `", version=4`)
	line("Via: SIP/2.0/TLS ", v.Client.String(), ";ms-received-port=", port,
		";ms-received-cid=", strings.ToUpper(strconv.FormatUint(uint64(v.CID), 16)))
	if v.Diagnostic != "" {
		line("ms-diagnostics: ", v.Diagnostic)
	}
	line("Server: ", server)
	line("Content-Length: 0")
	return dst
}
