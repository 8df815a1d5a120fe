package sipstack

import (
	"strconv"
	"strings"
)

// logTextBytes bounds a peer-supplied value in a process-log line: a Call-ID or Request-URI may be
// as long as the message allows, and copied whole it would make every line about that request a
// message-sized write (issue 16).
const logTextBytes = 256

// LogText is a peer-supplied value fit for a log line: at most logTextBytes of it, control
// characters shown as '?', and the full length named when it was cut.
func LogText(s string) string {
	cut := len(s) > logTextBytes
	if !cut && visibleText(s) {
		return s
	}
	v := s
	if cut {
		v = s[:logTextBytes]
	}
	v = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, v)
	if cut {
		v += "… (" + strconv.Itoa(len(s)) + " bytes)"
	}
	return v
}

func visibleText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == 0x7f {
			return false
		}
	}
	return true
}
