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

// AnswerHeaders are the client's own headers of its 200 OK to an INVITE.
func (p Profile) AnswerHeaders() []Header {
	hs := []Header{{"User-Agent", p.UserAgent()}}
	if p == Plain {
		return hs
	}
	return append(hs, Header{"Supported", "ms-dialog-route-set-update"}, Header{"Allow", lyncAllow})
}
