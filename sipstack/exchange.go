package sipstack

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/emiago/sipgo/sip"
)

// exchangeTimeout bounds an exchange whose context has no deadline of its own.
const exchangeTimeout = 10 * time.Second

// maxExchangeHead bounds the header block of an answer read by exchange.
const maxExchangeHead = 64 << 10

// exchange sends one request the Edge originates over this connection and waits for its final
// answer, outside any sipgo user agent: the connection was opened for this one request (a BYE on a
// dialog whose connection is gone) and is closed after it. Requests the peer sends meanwhile are
// not answered; keep-alives and provisional answers are skipped. Bounded by ctx, else 10 s.
func (c *PeerConn) exchange(ctx context.Context, req *sip.Request) (*sip.Response, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(exchangeTimeout)
	}
	_ = c.conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = c.conn.SetDeadline(time.Now()) })
	defer stop()
	conn := c.plain()
	if _, err := io.WriteString(conn, req.String()); err != nil {
		return nil, fmt.Errorf("write %s: %w", req.Method, err)
	}
	br := bufio.NewReader(conn)
	for {
		msg, err := readSIPMessage(br)
		if err != nil {
			return nil, fmt.Errorf("answer to %s: %w", req.Method, err)
		}
		if res, ok := msg.(*sip.Response); ok && answers(res, req) && !res.IsProvisional() {
			return res, nil
		}
	}
}

// answers says whether res is a response to req: the same Call-ID and CSeq.
func answers(res *sip.Response, req *sip.Request) bool {
	return res.CallID() != nil && res.CSeq() != nil &&
		res.CallID().Value() == req.CallID().Value() && res.CSeq().Value() == req.CSeq().Value()
}

// readSIPMessage reads and parses one message off the stream.
func readSIPMessage(br *bufio.Reader) (sip.Message, error) {
	raw, err := ReadRawMessage(br, maxExchangeHead)
	if err != nil {
		return nil, err
	}
	return sip.ParseMessage(raw)
}
