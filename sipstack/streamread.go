package sipstack

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// ReadRawMessage reads one message off a stream as a stream transport frames it (RFC 3261 §18.3):
// the header block up to the blank line, CRLF keep-alives before it skipped (RFC 5626 §3.5.1), then
// Content-Length (or l) bytes of body. The bytes come back as they were sent. maxBytes bounds the
// header block and the body each, so a peer cannot make it read without end.
func ReadRawMessage(br *bufio.Reader, maxBytes int) ([]byte, error) {
	var head bytes.Buffer
	length := 0
	for {
		start := head.Len()
		if err := readLine(br, &head, maxBytes); err != nil {
			return nil, err
		}
		text := bytes.TrimRight(head.Bytes()[start:], "\r\n")
		if len(text) == 0 {
			if start == 0 {
				head.Reset() // a keep-alive
				continue
			}
			break
		}
		if n, ok := contentLength(text); ok {
			length = n
		}
	}
	if length > maxBytes {
		return nil, fmt.Errorf("Content-Length %d out of bounds", length)
	}
	msg := make([]byte, head.Len()+length)
	n := copy(msg, head.Bytes())
	if _, err := io.ReadFull(br, msg[n:]); err != nil {
		return nil, err
	}
	return msg, nil
}

// readLine appends one line, its LF included, to head, failing once head would pass maxBytes.
func readLine(br *bufio.Reader, head *bytes.Buffer, maxBytes int) error {
	for {
		chunk, err := br.ReadSlice('\n')
		if head.Len()+len(chunk) > maxBytes {
			return errors.New("header block too large")
		}
		head.Write(chunk)
		if err == nil {
			return nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
}
