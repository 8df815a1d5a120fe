// Package lync is the Skype for Business or Lync client behind the Edge as the federation leg sees it:
// the headers of its INVITE and 200 OK, its GRUU and endpoint id, and its SDP. Everything is a pure
// function of a Profile and the random parts, so each profile's messages have golden files. What no
// public capture confirms is marked in docs/edge-behaviour.md §7 and kept to the profile table here.
package lync

import (
	"fmt"
	"strings"
)

// Profile names the client whose messages the Edge relays (edge.client_profile).
type Profile string

// Client profiles.
const (
	Lync2013 Profile = "lync2013" // multipart/alternative SDP with the ICE-v6 fallback part
	SfB2015  Profile = "sfb2015"  // one application/sdp part; the default
	Plain    Profile = "plain"    // the generic SIP edgesim sent before profiles: RTP/AVP G.711
)

// Profiles lists every profile, for validation and help texts.
var Profiles = []Profile{Lync2013, SfB2015, Plain}

// ParseProfile reads edge.client_profile; "" is the default, sfb2015.
func ParseProfile(s string) (Profile, error) {
	if s == "" {
		return SfB2015, nil
	}
	for _, p := range Profiles {
		if strings.EqualFold(s, string(p)) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%q is not a client profile (lync2013, sfb2015, plain)", s)
}

// build is what differs between the profiles on the wire.
type build struct {
	userAgent string
	multipart bool
}

// The User-Agent strings are those of public Lync 2013 and Skype for Business 2015 client fixtures
// (docs/edge-behaviour.md §7); the exact build seen behind a given Edge varies with its updates.
var builds = map[Profile]build{
	Lync2013: {userAgent: "UCCAPI/15.0.4569.1503 OC/15.0.4569.1503 (Microsoft Lync)", multipart: true},
	SfB2015:  {userAgent: "UCCAPI/16.0.4266.1001 OC/16.0.4266.1001 (Skype for Business)"},
	Plain:    {userAgent: "RTCC/6.0.0.0"},
}

// UserAgent is the profile's User-Agent header value.
func (p Profile) UserAgent() string { return builds[p].userAgent }
