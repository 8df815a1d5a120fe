package record

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// framedOld is what the worker did before Frames: NextView, then ParseHeadString of the copy.
func framedOld(chunks [][]byte, max int) (msgs []string, heads []Head) {
	f := Framer{Max: max}
	for _, c := range chunks {
		f.Write(c)
		for m := f.NextView(); m != nil; m = f.NextView() {
			msgs = append(msgs, string(m))
			heads = append(heads, ParseHeadString(string(m)))
		}
	}
	return msgs, heads
}

func framedNew(chunks [][]byte, max int) (msgs []string, heads []Head) {
	f := Framer{Max: max}
	for _, c := range chunks {
		for fr := range f.Frames(c) {
			raw := string(fr.Msg)
			msgs = append(msgs, raw)
			heads = append(heads, fr.Head(raw))
		}
	}
	return msgs, heads
}

// sameFraming holds Frames and Frame.Head to what NextView and ParseHeadString make of the same
// stream, cut into reads of every size given.
func sameFraming(t *testing.T, stream string, max int) {
	t.Helper()
	for _, size := range []int{len(stream) + 1, 1, 2, 3, 7, 64, 500} {
		var chunks [][]byte
		for s := stream; len(s) > 0; {
			n := min(size, len(s))
			chunks = append(chunks, []byte(s[:n]))
			s = s[n:]
		}
		om, oh := framedOld(chunks, max)
		nm, nh := framedNew(chunks, max)
		if len(om) != len(nm) {
			t.Fatalf("reads of %d: %d messages, want %d\n%q", size, len(nm), len(om), stream)
		}
		for i := range om {
			if om[i] != nm[i] || oh[i] != nh[i] {
				t.Fatalf("reads of %d, message %d:\n got %q %+v\nwant %q %+v", size, i, nm[i], nh[i], om[i], oh[i])
			}
		}
	}
}

var tricky = []string{
	"INVITE sip:a@b SIP/2.0\r\nCall-ID: c1\r\nFrom: <sip:2000@Acano.Lab>;tag=1\r\nTo: <sip:x@skype.lab>\r\nCSeq: 7 INVITE\r\nl: 3\r\n\r\nabc",
	"SIP/2.0 504 Server Time-out\r\nCall-ID: c1\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n",
	"OPTIONS sip:a SIP/2.0\r\n i : spaced\r\n  CSeq:  3   OPTIONS \r\nf: <tel:1>\r\nFrom: <sip:x@later.lab>\r\nt: sip:y@To.Lab\r\n\r\n",
	"MESSAGE sip:a SIP/2.0\r\nCall-ID:\r\nCall-ID: second\r\nCſeq: 4 MESSAGE\r\nContent-Length: x\r\nContent-Length: 2\r\n\r\n",
	"BYE sip:a SIP/2.0\r\nCall-ID: bare\nlf\r\nCSeq: 9\r\nTO: <SIP:u@H.lab;transport=tls>\r\nCONTENT-LENGTH:  5 \r\n\r\nhello",
	"ACK sip:a SIP/2.0\r\n\u00a0Call-ID: nbsp\r\ncall-id: plain\r\nCSeq: 1 ACK\r\n\r\n",
	"SIP/2.0 x\r\ni: c\r\nl: -4\r\n\r\n",
	"NOTIFY\r\n\r\n",
	"INFO sip:a SIP/2.0\r\nFrom: \"A\" <sips:a@from.lab:5061>\r\nTo: <sip:b@to.lab>\r\nCall-ID: \xff\xfe\r\nl: 0\r\n\r\n",
	"REGISTER sip:a SIP/2.0\r\nVia: SIP/2.0/TLS h\r\n\tcontinued\r\nContent-Length: 0\r\n\r\n",
	"\r\n\r\n",
	"INVITE sip:a SIP/2.0\r\nCall-ID:\u00a0nbsp\u00a0\r\nCSeq:\t5 INVITE\t\r\nFrom:<sip:a@nospace.lab>\r\nTo: \r\nTo: <sip:b@second.lab>\r\nContent-Length:\v3\r\n\r\nabc",
	"OPTIONS sip:a SIP/2.0\r\nContact:\r\nContent-Type:x\r\ni:compact\r\nl:0\r\nf:<sip:c@f.lab>\r\nt:<sip:d@t.lab> \r\n\r\n",
	"BYE sip:a SIP/2.0\r\nCall-ID: lone\rcr\r\nCSeq: 7 BYE\x85\r\nFrom: <sip:a@b.lab>\u2003\r\nContent-Length: 0 \r\n\r\n",
}

func TestFramesAgreeWithNextViewAndParseHead(t *testing.T) {
	stream := "\r\n" + strings.Join(tricky, "\r\n")
	sameFraming(t, stream, 0)
	sameFraming(t, stream, 200) // the bound drops a stream that outgrows it, in both
	for _, m := range tricky {
		sameFraming(t, m, 0)
	}
	files, _ := filepath.Glob("../edge/testdata/*/*.sip")
	files2, _ := filepath.Glob("../edge/testdata/*/*/*.sip")
	var all strings.Builder
	for _, p := range append(files, files2...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sameFraming(t, string(b), 0)
		all.Write(b)
	}
	if len(files)+len(files2) < 10 {
		t.Fatalf("only %d wire files found", len(files)+len(files2))
	}
	sameFraming(t, all.String(), 0)
}

// An unfinished head is not searched again from its start for every byte that trickles in.
func TestFramerRemembersHowFarItLooked(t *testing.T) {
	var f Framer
	head := "INVITE sip:a SIP/2.0\r\n" + strings.Repeat("X-Pad: abcdefghijklmnopqrstuvwxyz\r\n", 100)
	for i := range len(head) {
		for range f.Frames([]byte{head[i]}) {
			t.Fatal("a message before its blank line")
		}
	}
	if f.seen != len(head) {
		t.Fatalf("seen %d, want %d", f.seen, len(head))
	}
	n := 0
	for fr := range f.Frames([]byte("l: 2\r\n\r\nok")) {
		if string(fr.Msg) != head+"l: 2\r\n\r\nok" {
			t.Fatalf("framed %q", fr.Msg)
		}
		n++
	}
	if n != 1 || f.seen != 0 {
		t.Fatalf("%d messages, seen %d", n, f.seen)
	}
}

func FuzzFramesAgree(f *testing.F) {
	for _, m := range tricky {
		f.Add(m, 5)
	}
	f.Fuzz(func(t *testing.T, stream string, size int) {
		if size < 1 || size > 1<<12 {
			return
		}
		sameFraming(t, stream, 1<<12)
	})
}

// BenchmarkFrames frames and reads the head of the seven messages of the call in
// testdata/answered-call.json, each arriving in one read, as the worker does.
func BenchmarkFrames(b *testing.B) {
	a, _ := answeredCall(b)
	msgs := make([][]byte, len(a.Messages))
	for i, m := range a.Messages {
		msgs[i] = []byte(m.Raw)
	}
	var f Framer
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range msgs {
			for fr := range f.Frames(m) {
				raw := string(fr.Msg) // the worker's one copy
				if h := fr.Head(raw); h.CallID != a.CallID {
					b.Fatalf("head %+v", h)
				}
			}
		}
	}
}
