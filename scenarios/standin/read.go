package standin

import (
	"bufio"
	"fmt"

	"github.com/emiago/sipgo/sip"
)

// ReadMessage reads one message from a stream, framed by Content-Length, and parses it: for a test
// that plays a far end on a raw connection.
func ReadMessage(r *bufio.Reader) (sip.Message, error) {
	raw, err := readRawMessage(r)
	if err != nil {
		return nil, err
	}
	return sip.NewParser().ParseSIP(raw)
}

// ReadRequest reads messages until a request of the given method arrives.
func ReadRequest(r *bufio.Reader, method string) (*sip.Request, error) {
	for {
		m, err := ReadMessage(r)
		if err != nil {
			return nil, fmt.Errorf("waiting for %s: %w", method, err)
		}
		if req, ok := m.(*sip.Request); ok && string(req.Method) == method {
			return req, nil
		}
	}
}
