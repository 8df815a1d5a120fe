package sipstack

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// FuzzLeanFilter feeds the call path's framer a stream cut into reads at the fuzzer's points. It
// must never pass sipgo more bytes than came in, nor more in one read than sipgo's buffer holds; a
// message it takes must be a request of its methods; and when it takes none, sipgo must read the
// whole stream as it came, CRLFs between messages aside.
func FuzzLeanFilter(f *testing.F) {
	invite := "INVITE sip:stejanss@skype.lab SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK1\r\n" +
		"From: <sip:2000@acano.steven.lab>;tag=1\r\nTo: <sip:stejanss@skype.lab>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n" +
		"Content-Length: 4\r\n\r\nv=0\n"
	options := strings.NewReplacer("INVITE sip:", "OPTIONS sip:", "1 INVITE", "1 OPTIONS", "Content-Length: 4\r\n\r\nv=0\n", "Content-Length: 0\r\n\r\n").Replace(invite)
	f.Add([]byte(invite), uint16(7), uint16(300))
	f.Add([]byte("\r\n\r\n"+options+invite+"\r\n"+invite), uint16(1), uint16(2))
	f.Add([]byte(strings.Replace(invite, "Content-Length: 4", "Content-Length: 4\r\nl: 4", 1)+options), uint16(50), uint16(9))
	f.Add([]byte("garbage\r\n\r\n"+invite), uint16(3), uint16(4000))
	f.Fuzz(func(t *testing.T, stream []byte, cut1, cut2 uint16) {
		var taken [][]byte
		c := fuzzConn(func(req *sip.Request) { taken = append(taken, []byte(req.String())) })
		var toSipgo []byte
		buf := make([]byte, ReadBufferSize)
		cuts := []int{int(cut1)%64 + 1, int(cut2)%512 + 1}
		for i, k := 0, 0; i < len(stream); k++ {
			for len(c.rewritten) > 0 { // what did not fit goes first, as edgeConn.Read hands it over
				n := c.drainPending(buf)
				toSipgo = append(toSipgo, buf[:n]...)
			}
			n := min(cuts[k%2], len(stream)-i, len(buf))
			copy(buf, stream[i:i+n])
			i += n
			got := c.leanFilter(buf, n)
			if got > len(buf) {
				t.Fatalf("a read returned %d bytes into a buffer of %d", got, len(buf))
			}
			toSipgo = append(toSipgo, buf[:got]...)
		}
		toSipgo = append(toSipgo, c.rewritten...)
		if !c.lean.off && !c.lean.pass {
			toSipgo = append(toSipgo, c.lean.buf...) // held, not yet whole
		}
		for _, m := range taken {
			if !leanMethod(m) {
				t.Fatalf("took %q, no request of the call path", m[:min(len(m), 40)])
			}
		}
		if len(toSipgo) > len(stream) {
			t.Fatalf("%d bytes in, %d to sipgo", len(stream), len(toSipgo))
		}
		// With nothing taken, sipgo reads the stream itself, less only CRLFs between messages.
		if len(taken) == 0 && !bytes.Equal(withoutCRLF(toSipgo), withoutCRLF(stream)) {
			t.Fatalf("sipgo read\n%q\nof\n%q", toSipgo, stream)
		}
	})
}

func withoutCRLF(b []byte) []byte {
	return bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r"), nil), []byte("\n"), nil)
}

// fuzzConn is an Edge connection whose call path hands every request it takes to took, with no
// socket behind it: the framing alone.
func fuzzConn(took func(*sip.Request)) *edgeConn {
	s := &Server{cfg: Config{AckTimeout: time.Second, MaxMessageBytes: 1 << 16}, closed: make(chan struct{})}
	parser := sip.NewParser(sip.WithHeadersParsers(edgeHeaderParsers()))
	parser.MaxMessageLength = s.cfg.MaxMessageBytes
	p := &leanPath{s: s, parser: parser, txs: map[string]*leanTx{}, max: s.cfg.MaxMessageBytes, work: newWorkerPool(s.closed)}
	p.acks.wait = time.Second
	record := func(req *sip.Request, _ sip.ServerTransaction) { took(req) }
	p.handlers = map[sip.RequestMethod]sipgo.RequestHandler{sip.INVITE: record, sip.ACK: record, sip.BYE: record, sip.CANCEL: record}
	return &edgeConn{l: &tlsListener{lean: p}, remote: "127.0.0.1:5061", gone: make(chan struct{})}
}
