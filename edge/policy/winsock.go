package policy

import "strconv"

// Winsock is a Windows socket error as Lync writes it: 10061(WSAECONNREFUSED).
type Winsock int

// Winsock failures the outbound Edge reports (§4).
const (
	WSAECONNRESET   Winsock = 10054
	WSAETIMEDOUT    Winsock = 10060
	WSAECONNREFUSED Winsock = 10061
)

var winsockNames = map[Winsock]struct{ name, description string }{
	WSAECONNRESET:   {"WSAECONNRESET", "The peer forced closure of the connection"},
	WSAETIMEDOUT:    {"WSAETIMEDOUT", "The peer did not respond to the connection attempt"},
	WSAECONNREFUSED: {"WSAECONNREFUSED", "The peer actively refused the connection attempt"},
}

// Code is the WinsockFailureCode attribute value.
func (w Winsock) Code() string {
	if n, ok := winsockNames[w]; ok {
		return strconv.Itoa(int(w)) + "(" + n.name + ")"
	}
	return strconv.Itoa(int(w))
}

// Description is Windows' own text for the error.
func (w Winsock) Description() string {
	if n, ok := winsockNames[w]; ok {
		return n.description
	}
	return "Unknown socket error"
}
