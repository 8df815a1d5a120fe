package lync

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
)

// Identity is what makes one Skype client endpoint recognisable across its messages: its endpoint id
// (epid), its GRUU's opaque part, the conversation id and the Call-ID. All random, so drawn once.
type Identity struct {
	EPID           string // 10 hex digits, as Lync writes it
	GRUUOpaque     string // user:epid:<base64url>
	ConversationID string // Ms-Conversation-ID: 28 characters of base64
	CallID         string // 32 lower-case hex digits
	FromTag        string // 10 hex digits
}

// NewIdentity draws the random parts from r (crypto/rand when nil).
func NewIdentity(r io.Reader) Identity {
	if r == nil {
		r = rand.Reader
	}
	var b [5 + 16 + 20 + 16 + 5]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		_, _ = rand.Read(b[:])
	}
	return Identity{
		EPID:           hex.EncodeToString(b[0:5]),
		GRUUOpaque:     "user:epid:" + base64.RawURLEncoding.EncodeToString(b[5:21]) + "AAA",
		ConversationID: base64.StdEncoding.EncodeToString(b[21:41]),
		CallID:         hex.EncodeToString(b[41:57]),
		FromTag:        hex.EncodeToString(b[57:62]),
	}
}
