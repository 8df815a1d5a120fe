package record

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRingIsBounded(t *testing.T) {
	r := NewRing(3)
	for i := range 5 {
		r.Add(Attempt{ID: strconv.Itoa(i)})
	}
	got := r.Snapshot()
	if len(got) != 3 || got[0].ID != "2" || got[2].ID != "4" || r.Total() != 5 {
		t.Fatalf("snapshot %v total %d", got, r.Total())
	}
	if _, ok := r.Find("0"); ok {
		t.Fatal("the oldest was not forgotten")
	}
	if a, ok := r.Find("3"); !ok || a.ID != "3" {
		t.Fatal("Find(3)")
	}
}

func TestAttemptMessagesAreBounded(t *testing.T) {
	var a Attempt
	for range MaxMessages + 2 {
		a.AddMessage(Message{})
	}
	if len(a.Messages) != MaxMessages || a.Dropped != 2 {
		t.Fatalf("%d kept, %d dropped", len(a.Messages), a.Dropped)
	}
}

func TestJSONL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "attempts.jsonl")
	j, err := OpenJSONL(path, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	j.Add(Attempt{ID: "a", Outcome: OutcomeRefused})
	j.Add(Attempt{ID: "b", Outcome: OutcomeAnswered})
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var a Attempt
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	if len(ids) != 2 || ids[0] != "a" || ids[1] != "b" {
		t.Fatalf("lines %v", ids)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	if _, err := OpenJSONL(filepath.Join(t.TempDir(), "no", "x.jsonl"), 0, nil); err == nil {
		t.Fatal("an unwritable path must fail at start")
	}
}

func TestFramer(t *testing.T) {
	var f Framer
	inv := "INVITE sip:a@b SIP/2.0\r\nCall-ID: c1\r\nFrom: <sip:2000@Acano.Lab>;tag=1\r\nTo: <sip:x@skype.lab>\r\nCSeq: 7 INVITE\r\nl: 3\r\n\r\nabc"
	res := "SIP/2.0 504 Server Time-out\r\nCall-ID: c1\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n"
	stream := "\r\n\r\n" + inv + res
	f.Write([]byte(stream[:20]))
	if f.Next() != nil {
		t.Fatal("a partial message came out")
	}
	f.Write([]byte(stream[20:]))
	m1, m2 := f.Next(), f.Next()
	if string(m1) != inv || string(m2) != res || f.Next() != nil {
		t.Fatalf("framed %q, %q", m1, m2)
	}
	h := ParseHead(m1)
	if h.Method != "INVITE" || h.CallID != "c1" || h.CSeq != "INVITE" || h.CSeqNo != 7 || h.FromHost != "acano.lab" || h.ToHost != "skype.lab" {
		t.Fatalf("head %+v", h)
	}
	if h := ParseHead(m2); h.Status != 504 || h.Method != "" {
		t.Fatalf("head %+v", h)
	}
	g := Framer{Max: 8}
	g.Write([]byte("not sip at all"))
	if g.Next() != nil || len(g.buf) != 0 {
		t.Fatal("the bound did not hold")
	}
}

// A line waits for company at most FlushEvery: a reader tailing the file sees an attempt without
// the writer being closed.
func TestJSONLWritesALoneAttemptSoon(t *testing.T) {
	path := filepath.Join(t.TempDir(), "attempts.jsonl")
	j, err := OpenJSONL(path, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	j.Add(Attempt{ID: "alone", Outcome: OutcomeRefused})
	deadline := time.Now().Add(20 * FlushEvery)
	for {
		b, _ := os.ReadFile(path)
		if len(b) > 0 {
			if string(b) != `{"id":"alone","direction":"","kind":"","start":"0001-01-01T00:00:00Z","end":"0001-01-01T00:00:00Z","outcome":"refused","messages":null}`+"\n" {
				t.Fatalf("line %q", b)
			}
			if w, _, _, _ := j.Stats(); w == 1 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not written and counted after %v", 20*FlushEvery)
		}
		time.Sleep(FlushEvery / 5)
	}
}

// Large messages cannot grow the ring past its byte bound: the oldest go first, the newest stays.
func TestRingIsBoundedInBytes(t *testing.T) {
	r := NewRing(1000)
	big := strings.Repeat("x", 1<<20)
	for i := range 200 {
		r.Add(Attempt{ID: strconv.Itoa(i), Messages: []Message{{Raw: big}}})
		if r.Bytes() > MaxRingBytes {
			t.Fatalf("after %d attempts the ring holds %d bytes", i+1, r.Bytes())
		}
	}
	got := r.Snapshot()
	if len(got) == 0 || len(got) >= 100 || got[len(got)-1].ID != "199" || got[0].ID != strconv.Itoa(200-len(got)) {
		t.Fatalf("kept %d attempts, %s to %s", len(got), got[0].ID, got[len(got)-1].ID)
	}
	if _, ok := r.Find("0"); ok {
		t.Fatal("the oldest was not forgotten")
	}
	huge := Attempt{ID: "huge", Messages: []Message{{Raw: strings.Repeat("y", MaxRingBytes)}}}
	r.Add(huge)
	if got := r.Snapshot(); len(got) != 1 || got[0].ID != "huge" {
		t.Fatalf("an attempt above the bound on its own: kept %d", len(got))
	}
	r.Add(Attempt{ID: "small"})
	if got := r.Snapshot(); len(got) != 1 || got[0].ID != "small" || r.Total() != 202 {
		t.Fatalf("after the huge one: %d kept, total %d", len(got), r.Total())
	}
}

func TestURIHost(t *testing.T) {
	for v, want := range map[string]string{
		"<sip:2000@Acano.Lab>;tag=1": "acano.lab", `"Sam" <SIPS:sam@Skype.LAB:5061;transport=tls>`: "skype.lab",
		"Sip:host.lab": "host.lab", "<tel:+1555>": "", "si": "", "": "", "<sip:a@b?x=y>": "b", "sIp": "",
	} {
		if got := uriHost(v); got != want {
			t.Errorf("uriHost(%q) = %q, want %q", v, got, want)
		}
	}
}

// The head ends at the blank line: a body that looks like headers is not read as the head.
func TestParseHeadStopsAtTheBody(t *testing.T) {
	msg := "MESSAGE sip:a@b SIP/2.0\r\nFrom: <sip:x@from.lab>\r\nContent-Length: 40\r\n\r\nCall-ID: body\r\nCSeq: 9 BYE\r\nTo: <sip:y@to.lab>\r\n"
	h := ParseHeadString(msg)
	if h.CallID != "" || h.CSeq != "" || h.ToHost != "" || h.FromHost != "from.lab" || h.Method != "MESSAGE" {
		t.Fatalf("head %+v", h)
	}
	if h := ParseHeadString("SIP/2.0 200 OK\r\n\r\nCall-ID: body"); h.Status != 200 || h.CallID != "" {
		t.Fatalf("head %+v", h)
	}
	if h := ParseHeadString("OPTIONS sip:a SIP/2.0\r\nCall-ID: c\r\nCSeq: 2 OPTIONS"); h.CallID != "c" || h.CSeqNo != 2 {
		t.Fatalf("a head with no blank line: %+v", h)
	}
	var f Framer
	f.Write([]byte(msg + "OPTIONS sip:a SIP/2.0\r\nl: 0\r\n\r\n"))
	if m := f.Next(); string(m) != msg[:len(msg)-len("Call-ID: body\r\nCSeq: 9 BYE\r\nTo: <sip:y@to.lab>\r\n")+40] {
		t.Fatalf("framed %q", m)
	}
}
