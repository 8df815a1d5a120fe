package lync

// Header is one header line, in the order the client writes it.
type Header struct{ Name, Value string }

// Party is the Skype user the client speaks for.
type Party struct {
	URI         string // sip:stejanss@skype.lab
	DisplayName string // "" leaves the quotes out
}

func (p Party) nameAddr() string {
	if p.DisplayName == "" {
		return "<" + p.URI + ">"
	}
	return `"` + p.DisplayName + `"<` + p.URI + ">"
}

// lyncAllow is the Allow list of Lync 2013 and Skype for Business clients' INVITEs.
const lyncAllow = "INVITE, BYE, ACK, CANCEL, INFO, UPDATE, REFER, NOTIFY, BENOTIFY, OPTIONS"

// lyncSupported are the client's option tags, one Supported header each, as the clients write them.
var lyncSupported = []string{"ms-dialog-route-set-update", "timer", "histinfo", "ms-safe-transfer", "ms-sender",
	"ms-early-media", "100rel"}

// FromParams are the From header's parameters after the tag: the endpoint id.
func (p Profile) FromParams(id Identity) [][2]string {
	if p == Plain {
		return nil
	}
	return [][2]string{{"epid", id.EPID}}
}

// Contact is the client's Contact: its GRUU, or for plain the Edge itself on its listening port.
func (p Profile) Contact(user Party, id Identity, edgeHostPort string) string {
	if p == Plain {
		return "<sip:" + edgeHostPort + ";transport=tls>"
	}
	return "<" + user.URI + ";opaque=" + id.GRUUOpaque + ";gruu>"
}

// InviteHeaders are the client's own headers of an INVITE, after the ones every request has (Via,
// Max-Forwards, From, To, Call-ID, CSeq, Contact), in the client's order.
func (p Profile) InviteHeaders(user Party, id Identity) []Header {
	hs := []Header{{"User-Agent", p.UserAgent()}}
	if p == Plain {
		return hs
	}
	for _, s := range lyncSupported {
		hs = append(hs, Header{"Supported", s})
	}
	return append(hs,
		Header{"Ms-Conversation-ID", id.ConversationID},
		Header{"ms-keep-alive", "UAC;hop-hop=yes"},
		Header{"Allow", lyncAllow},
		Header{"P-Asserted-Identity", user.nameAddr()},
	)
}

// AnswerHeaders are the client's own headers of its 200 OK to an INVITE. Lync's Allow list is left
// out: the Edge answers UPDATE and REFER in a dialog with 405, and must not advertise them there.
func (p Profile) AnswerHeaders() []Header {
	hs := []Header{{"User-Agent", p.UserAgent()}}
	if p == Plain {
		return hs
	}
	return append(hs, Header{"Supported", "ms-dialog-route-set-update"})
}

// lyncPresenceAccept is the Accept list of a Lync client's presence SUBSCRIBE (pidgin-sipe's emulation
// of it; docs/edge-behaviour.md §7 says what is unconfirmed).
const lyncPresenceAccept = "application/msrtc-event-categories+xml, text/xml+msrtc.pidf, application/xpidf+xml, application/pidf+xml, application/rlmi+xml, multipart/related"

// SubscribeHeaders are the client's own headers of a presence SUBSCRIBE, after the mandatory ones.
func (p Profile) SubscribeHeaders() []Header {
	hs := []Header{{"User-Agent", p.UserAgent()}, {"Event", "presence"}}
	if p == Plain {
		return append(hs, Header{"Accept", "application/pidf+xml"})
	}
	return append(hs, Header{"Accept", lyncPresenceAccept}, Header{"Supported", "ms-benotify"},
		Header{"Proxy-Require", "ms-benotify"}, Header{"Supported", "ms-piggyback-first-notify"})
}

// IMOffer is the SDP of an IM session: Lync invites to a message session, then sends MESSAGEs in it.
func IMOffer(m Media) []byte {
	ver := m.ipVer()
	ip := m.Addr.String()
	return []byte("v=0\r\n" +
		"o=- 0 0 IN " + ver + " " + ip + "\r\n" +
		"s=session\r\n" +
		"c=IN " + ver + " " + ip + "\r\n" +
		"t=0 0\r\n" +
		"m=message 5060 sip null\r\n" +
		"a=accept-types:text/plain multipart/alternative image/gif text/rtf text/html application/x-ms-ink application/ms-imdn+xml text/x-msmsgsinvite\r\n")
}
