package sipstack

import "github.com/emiago/sipgo/sip"

// uriWithRawBytes names the first of the Request-URI, From and To whose user, password or host holds
// a control character, a space or a byte past ASCII. RFC 3261 §25.1 lets a URI carry those only
// %-escaped; passed on raw, a NUL or a stray byte would reach the policy, the Edge log and every tool
// that reads them.
func uriWithRawBytes(req *sip.Request) string {
	if hasRawBytes(req.Recipient) {
		return "Request-URI"
	}
	if f := req.From(); f != nil && hasRawBytes(f.Address) {
		return "From"
	}
	if t := req.To(); t != nil && hasRawBytes(t.Address) {
		return "To"
	}
	return ""
}

func hasRawBytes(u sip.Uri) bool {
	return !visibleASCII(u.User) || !visibleASCII(u.Password) || !visibleASCII(u.Host)
}

func visibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}
