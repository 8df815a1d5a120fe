package sipstack

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// codecs the emulated Skype client accepts, in its order of preference (static payload types).
var codecs = map[string]string{"0": "PCMU/8000", "8": "PCMA/8000", "9": "G722/8000"}

// edgeOffer is what the emulated Skype client offers when the caller sent none.
const edgeOffer = "v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 9 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"

// AnswerSDP accepts the offer's first audio codec we know and telephone-event when offered. There is
// no media engine: the answer only names a port, as Expressway needs one to complete the call.
func AnswerSDP(offer []byte, local net.IP, port int) ([]byte, error) {
	offer = SDPOfBody(offer)
	if len(bytes.TrimSpace(offer)) == 0 {
		// Delayed offer (CUCM and Expressway send them): the 200 OK carries our offer, the ACK the answer.
		offer = []byte(edgeOffer)
	}
	var (
		chosen, chosenMap string
		dtmf, dtmfMap     string
		sawAudio          bool
		rejected          []string
		rtpmaps           = map[string]string{}
	)
	lines := strings.Split(strings.ReplaceAll(string(offer), "\r\n", "\n"), "\n")
	var audioFormats []string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "m="):
			f := strings.Fields(l[2:])
			if len(f) < 4 {
				return nil, fmt.Errorf("malformed media line %q", l)
			}
			if f[0] == "audio" && !sawAudio {
				sawAudio = true
				audioFormats = f[3:]
			} else {
				rejected = append(rejected, f[0]+" 0 "+f[2]+" "+f[3])
			}
		case strings.HasPrefix(l, "a=rtpmap:"):
			pt, enc, ok := strings.Cut(strings.TrimPrefix(l, "a=rtpmap:"), " ")
			if ok {
				rtpmaps[pt] = strings.TrimSpace(enc)
			}
		}
	}
	if !sawAudio {
		return nil, errors.New("the offer has no audio stream")
	}
	for _, pt := range audioFormats {
		enc := rtpmaps[pt]
		if enc == "" {
			enc = codecs[pt]
		}
		name := strings.ToUpper(enc)
		switch {
		case chosen == "" && (name == "PCMU/8000" || name == "PCMA/8000" || name == "G722/8000"):
			chosen, chosenMap = pt, enc
		case dtmf == "" && strings.HasPrefix(strings.ToLower(enc), "telephone-event/"):
			dtmf, dtmfMap = pt, enc
		}
	}
	if chosen == "" {
		return nil, errors.New("no common audio codec (PCMU, PCMA, G722)")
	}
	ipVer := "IP4"
	if local.To4() == nil {
		ipVer = "IP6"
	}
	sess := strconv.FormatInt(time.Now().Unix(), 10)
	var b strings.Builder
	b.WriteString("v=0\r\n")
	fmt.Fprintf(&b, "o=- %s %s IN %s %s\r\n", sess, sess, ipVer, local)
	b.WriteString("s=session\r\n")
	fmt.Fprintf(&b, "c=IN %s %s\r\n", ipVer, local)
	b.WriteString("t=0 0\r\n")
	formats := chosen
	if dtmf != "" {
		formats += " " + dtmf
	}
	fmt.Fprintf(&b, "m=audio %d RTP/AVP %s\r\n", port, formats)
	fmt.Fprintf(&b, "a=rtpmap:%s %s\r\n", chosen, chosenMap)
	if dtmf != "" {
		fmt.Fprintf(&b, "a=rtpmap:%s %s\r\na=fmtp:%s 0-16\r\n", dtmf, dtmfMap, dtmf)
	}
	b.WriteString("a=sendrecv\r\n")
	for _, m := range rejected {
		b.WriteString("m=" + m + "\r\n")
	}
	return []byte(b.String()), nil
}

// SDPOfBody is the SDP a body offers. A multipart/alternative body, as Lync 2013 sends, is read as a
// MIME parser would, its boundary taken from the first line; the last SDP part wins, since Lync puts
// its ICE-v6 fallback first and the RFC 5245 description last. Anything else is returned as it is.
func SDPOfBody(body []byte) []byte {
	first, _, ok := bytes.Cut(body, []byte("\r\n"))
	if !ok || !bytes.HasPrefix(first, []byte("--")) {
		return body
	}
	mr := multipart.NewReader(bytes.NewReader(body), string(bytes.TrimSpace(first[2:])))
	var last []byte
	for {
		part, err := mr.NextPart()
		if err != nil {
			break
		}
		b, err := io.ReadAll(io.LimitReader(part, int64(len(body))))
		if err == nil && strings.HasPrefix(strings.ToLower(part.Header.Get("Content-Type")), "application/sdp") {
			last = b
		}
	}
	if last == nil {
		return body
	}
	return last
}

// sdpAddr is the connection address of an SDP body.
func sdpAddr(sdp []byte) string {
	for _, l := range strings.Split(string(sdp), "\r\n") {
		if f := strings.Fields(strings.TrimPrefix(l, "c=")); strings.HasPrefix(l, "c=") && len(f) == 3 {
			return f[2]
		}
	}
	return ""
}

// portAllocator hands out even RTP ports round-robin from the configured range.
type portAllocator struct {
	mu       sync.Mutex
	lo, hi   int
	nextPort int
}

func newPortAllocator(lo, hi int) *portAllocator {
	lo += lo % 2
	return &portAllocator{lo: lo, hi: hi, nextPort: lo}
}

func (p *portAllocator) next() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	port := p.nextPort
	p.nextPort += 2
	if p.nextPort > p.hi {
		p.nextPort = p.lo
	}
	return port
}
