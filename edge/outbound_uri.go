package edge

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/edgesim/edgesim/edge/policy"
)

// SIPURI is the part of a SIP URI a federated call needs: who, and in which domain.
type SIPURI struct {
	Scheme string // sip or sips
	User   string
	Host   string // lower-case, without a trailing dot
}

func (u SIPURI) String() string {
	if u.User == "" {
		return u.Scheme + ":" + u.Host
	}
	return u.Scheme + ":" + u.User + "@" + u.Host
}

// ErrBadURI is wrapped by every ParseSIPURI error, so a command can call it a usage error.
var ErrBadURI = errors.New("not a SIP URI")

// ParseSIPURI reads sip:user@domain, also inside <…>, ignoring URI parameters and headers. A port
// is refused: a federated call goes to a domain, and the SRV record names the port.
func ParseSIPURI(s string) (SIPURI, error) {
	in := s
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '<'); i >= 0 {
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			return SIPURI{}, fmt.Errorf("%q: %w: unclosed <", in, ErrBadURI)
		}
		s = s[i+1 : i+j]
	}
	scheme, rest, ok := strings.Cut(s, ":")
	scheme = strings.ToLower(scheme)
	if !ok || (scheme != "sip" && scheme != "sips") {
		return SIPURI{}, fmt.Errorf("%q: %w: want sip:user@domain", in, ErrBadURI)
	}
	if i := strings.IndexAny(rest, ";?"); i >= 0 {
		rest = rest[:i]
	}
	user, host, hasUser := strings.Cut(rest, "@")
	if !hasUser {
		user, host = "", rest
	}
	host = policy.Normalize(host)
	switch {
	case hasUser && user == "":
		return SIPURI{}, fmt.Errorf("%q: %w: empty user", in, ErrBadURI)
	case host == "" || strings.ContainsAny(host, " \t/@<>\"") || strings.HasPrefix(host, ".") || strings.Contains(host, ".."):
		return SIPURI{}, fmt.Errorf("%q: %w: %q is not a domain", in, ErrBadURI, host)
	case strings.Contains(host, ":") && !policy.IsIPLiteral(host):
		return SIPURI{}, fmt.Errorf("%q: %w: no port, please: the SRV record names it", in, ErrBadURI)
	}
	return SIPURI{Scheme: scheme, User: user, Host: host}, nil
}

// newCallID is a random Call-ID in the GUID form Skype clients use.
func newCallID(r io.Reader) string {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		_, _ = rand.Read(b[:])
	}
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
