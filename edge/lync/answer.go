package lync

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// staticEncodings are the payload types an offer may use without an rtpmap.
var staticEncodings = map[string]string{"0": "PCMU/8000", "8": "PCMA/8000", "9": "G722/8000", "13": "CN/8000"}

// offer is what an answer needs from an SDP offer's first audio stream.
type offer struct {
	proto   string
	pts     []string          // in the offer's order
	encs    map[string]string // payload type → encoding, upper-cased
	crypto  string            // the first a=crypto line's "tag suite", for an RTP/SAVP answer
	message bool              // an IM session: m=message … sip null
}

func readOffer(sdp []byte) (offer, error) {
	o := offer{encs: map[string]string{}}
	inAudio := false
	for _, l := range strings.Split(strings.ReplaceAll(string(sdp), "\r\n", "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "m="):
			f := strings.Fields(l[2:])
			inAudio = false
			if len(f) >= 4 && f[0] == "audio" && o.proto == "" {
				inAudio, o.proto, o.pts = true, f[2], f[3:]
			}
			if len(f) >= 3 && f[0] == "message" {
				o.message = true
			}
		case inAudio && strings.HasPrefix(l, "a=rtpmap:"):
			pt, enc, ok := strings.Cut(strings.TrimPrefix(l, "a=rtpmap:"), " ")
			if ok {
				o.encs[pt] = strings.ToUpper(strings.TrimSpace(enc))
			}
		case inAudio && strings.HasPrefix(l, "a=crypto:") && o.crypto == "":
			if f := strings.Fields(strings.TrimPrefix(l, "a=crypto:")); len(f) >= 2 {
				o.crypto = f[0] + " " + f[1]
			}
		}
	}
	if o.proto == "" && !o.message {
		return o, errors.New("the offer has no audio stream")
	}
	for _, pt := range o.pts {
		if _, ok := o.encs[pt]; !ok {
			if e, ok := staticEncodings[pt]; ok {
				o.encs[pt] = e
			}
		}
	}
	return o, nil
}

// Answer is the client's SDP answer to an offer (one part, as every client answers): the first of the
// offer's codecs the client has, and telephone-event when offered, with the offer's payload type
// numbers. A delayed offer (no SDP) is answered with the client's own offer, in one part.
func (p Profile) Answer(sdp []byte, m Media) ([]byte, error) {
	if len(strings.TrimSpace(string(sdp))) == 0 {
		if p == Lync2013 {
			p = SfB2015 // a 200 carries one description
		}
		_, body := p.Offer(m)
		return body, nil
	}
	o, err := readOffer(sdp)
	if err != nil {
		return nil, err
	}
	if o.message && o.proto == "" {
		return IMOffer(m), nil // an IM session is accepted with the same description
	}
	list := lyncCodecs
	if p == Plain {
		list = plainCodecs
	}
	var chosen []codec
	var dtmf *codec
	for _, pt := range o.pts {
		for _, c := range list {
			if o.encs[pt] != strings.ToUpper(c.enc) {
				continue
			}
			n, _ := strconv.Atoi(pt)
			found := codec{pt: n, enc: c.enc, fmtp: c.fmtp}
			switch {
			case strings.HasPrefix(found.enc, "telephone-event/"):
				dtmf = &found
			case len(chosen) == 0 && !strings.HasPrefix(found.enc, "CN/"):
				chosen = append(chosen, found)
			}
		}
	}
	if dtmf != nil {
		chosen = append(chosen, *dtmf)
	}
	if !hasAudio(chosen) {
		return nil, fmt.Errorf("no audio codec in common with the client (offered %s)", strings.Join(o.pts, " "))
	}
	savp := o.proto == "RTP/SAVP"
	body := m.audioSDP(chosen, savp, false)
	if savp && p == Plain {
		return nil, errors.New("the plain client has no SRTP")
	}
	if savp && o.crypto != "" {
		// An answer carries one key, under the tag and suite of the offer line it accepts.
		tag, suite, _ := strings.Cut(o.crypto, " ")
		var lines []string
		for _, l := range strings.Split(body, "\r\n") {
			if strings.HasPrefix(l, "a=cryptoscale:") || strings.HasPrefix(l, "a=crypto:") {
				if strings.HasPrefix(l, "a=crypto:2 ") {
					lines = append(lines, "a=crypto:"+tag+" "+suite+" inline:"+m.Keys[1]+"|2^31")
				}
				continue
			}
			lines = append(lines, l)
		}
		body = strings.Join(lines, "\r\n")
	}
	return []byte(body), nil
}

func hasAudio(cs []codec) bool {
	for _, c := range cs {
		e := strings.ToUpper(c.enc)
		if !strings.HasPrefix(e, "CN/") && !strings.HasPrefix(e, "TELEPHONE-EVENT/") {
			return true
		}
	}
	return false
}
