package record

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/edge/policy"
)

// stdJSON is the line the JSONL file used to get from encoding/json: no HTML escaping, no newline.
func stdJSON(t testing.TB, a *Attempt) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(a); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// sameAsStd fails unless AppendJSON writes exactly encoding/json's bytes for a, and both decode to
// the same value.
func sameAsStd(t testing.TB, a *Attempt) {
	t.Helper()
	want, wantErr := stdJSON(t, a)
	got, err := AppendJSON([]byte("prefix"), a)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("AppendJSON error %v, encoding/json error %v", err, wantErr)
	}
	if !bytes.HasPrefix(got, []byte("prefix")) {
		t.Fatalf("what was in the buffer is gone: %q", got)
	}
	if err != nil {
		if string(got) != "prefix" {
			t.Fatalf("a failed encoding left %q behind", got)
		}
		return
	}
	got = got[len("prefix"):]
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendJSON differs from encoding/json\n got %s\nwant %s", got, want)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("AppendJSON wrote invalid JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("decoded values differ\n got %v\nwant %v", g, w)
	}
}

var awkward = []string{"", "plain", `quote " and \ backslash`, "<sip:a@b>;tag=1&x", "line\r\nfeed\ttab\b\f\x00\x1f\x7f",
	"caf\u00e9 \u65e5\u672c", "bad \xff\xfe utf8 \xe2\x82", "js \u2028 and \u2029", "\U0001F600 emoji"}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 12, 1, 23, 5, 0, 123456789, time.UTC)
	checked := at.Add(time.Hour)
	zones := []*time.Location{time.UTC, time.Local, time.FixedZone("IST", 5*3600+1800), time.FixedZone("W", -11*3600)}
	cases := map[string]Attempt{
		"zero":        {},
		"empty slice": {ID: "a1", Messages: []Message{}, DNS: []DNSLookup{}, TLS: []TLS{}, Trace: []policy.Rule{}},
		"refusal": {ID: "a1", Direction: Inbound, Kind: KindRequest, Start: at, End: at.Add(3 * time.Millisecond), Peer: "127.0.0.1:5061",
			PeerName: "vcse.acano.lab", FromDomain: "acano.lab", ToDomain: "skype.lab", Method: "INVITE", CallID: "c@h", Outcome: OutcomeRefused,
			Status: 504, Diagnostic: 1009, ResultCode: "0xC3E93D6B", Dropped: 3, EdgeLog: "TL_ERROR(TF_PROTOCOL)\r\nText: x\r\n", Error: "e",
			Messages: []Message{{Time: at, Out: false, Conn: "a → b", StartLine: "INVITE sip:x@y SIP/2.0", Raw: "INVITE sip:x@y SIP/2.0\r\n\r\n"},
				{Time: at, Out: true, Conn: "a → b", StartLine: "SIP/2.0 504 Server time-out", Raw: "SIP/2.0 504 x\r\n\r\n"}},
			DNS: []DNSLookup{{Question: "_sipfederationtls._tcp.acano.lab", Type: "SRV", Answer: []string{"0 0 5061 vcse.acano.lab"}, Rcode: "NOERROR", CacheHit: true},
				{Question: "x", Type: "A/AAAA", Rcode: "NXDOMAIN", Error: "no such host", Answer: []string{}}},
			TLS: []TLS{{Conn: "a → b", Version: "TLS 1.2", Cipher: "TLS_ECDHE", SNI: "sip.skype.lab", Took: 1234567, Alert: "sent: bad certificate", Error: "x",
				Chain: []Cert{{Subject: "CN=a", Issuer: "CN=b", SANs: []string{"a", "b"}, NotAfter: at}, {Subject: "CN=b", NotAfter: at}}}},
			Trace: []policy.Rule{{Name: policy.RuleSRV, Section: "§7", Outcome: policy.Fail, Detail: "d", Row: "1009",
				Inputs: policy.Inputs{Domain: "d", SRV: []policy.SRVTarget{{Target: "t", Port: 5061, Priority: 1, Weight: 65535}}, CheckedAt: &checked,
					Certificate: &policy.CertFacts{SubjectCN: "cn", NotBefore: at, NotAfter: at, Chain: []string{"a"}}},
				Checks: []policy.Check{{Name: "name", Outcome: policy.Pass}}}, {Name: policy.RuleCertificate}}},
	}
	for i, s := range awkward {
		for j, z := range zones {
			ts := at.In(z).Add(time.Duration(i*j) * time.Nanosecond)
			cases["awkward "+strconv.Itoa(i)+" zone "+strconv.Itoa(j)] = Attempt{ID: s, Outcome: s, Start: ts, Peer: s, EdgeLog: s,
				Messages: []Message{{Time: ts, Raw: s, StartLine: s}}, DNS: []DNSLookup{{Question: s, Answer: []string{s, ""}}},
				Trace: []policy.Rule{{Name: policy.RuleName(s), Inputs: policy.Inputs{Addresses: []string{s}, Certificate: &policy.CertFacts{SANDNS: []string{}}}}}}
		}
	}
	for name, a := range cases {
		t.Run(name, func(t *testing.T) { sameAsStd(t, &a) })
	}
}

// TestAppendJSONCoversEveryField fills every field of the record, all the way down, with a value
// that is not empty, so a field added to Attempt or anything it holds without a line in AppendJSON
// shows as a difference to encoding/json.
func TestAppendJSONCoversEveryField(t *testing.T) {
	var a Attempt
	n := 0
	fill(t, reflect.ValueOf(&a).Elem(), &n)
	sameAsStd(t, &a)
	if n < 60 {
		t.Fatalf("only %d values filled: the filler missed part of the record", n)
	}
}

func fill(t *testing.T, v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(awkward[*n%len(awkward)] + strconv.Itoa(*n))
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint16:
		v.SetUint(uint64(*n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(t, v.Index(i), n)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), n)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Unix(int64(*n)*86400*97, int64(*n)).In(time.FixedZone("", *n*60))))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(t, v.Field(i), n)
			}
		}
	default:
		t.Fatalf("the filler does not know %s", v.Type())
	}
}

func TestAppendJSONRefusesWhatRFC3339CannotSay(t *testing.T) {
	for _, ts := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("far", 24*3600))} {
		a := Attempt{ID: "x", Messages: []Message{{Time: ts}}}
		if _, err := AppendJSON(nil, &a); err == nil {
			t.Fatalf("%v was written", ts)
		}
		sameAsStd(t, &a)
	}
}

func FuzzAppendJSON(f *testing.F) {
	for _, s := range awkward {
		f.Add(s, s, int64(1764630300123456789), 3600)
	}
	f.Fuzz(func(t *testing.T, s1, s2 string, nanos int64, offset int) {
		ts := time.Unix(0, nanos).In(time.FixedZone("", offset%(30*3600)))
		a := Attempt{ID: s1, CallID: s2, Start: ts, End: ts, Status: int(nanos % 700), Messages: []Message{{Time: ts, Raw: s1 + s2, Conn: s2}},
			TLS:   []TLS{{Conn: s1, Took: time.Duration(nanos), Chain: []Cert{{Subject: s2, SANs: []string{s1}, NotAfter: ts}}}},
			Trace: []policy.Rule{{Name: policy.RuleName(s1), Detail: s2, Inputs: policy.Inputs{CheckedAt: &ts, ExpectedFQDN: []string{s2}}}}}
		sameAsStd(t, &a)
	})
}

// sdp is an offer as the lab's peers make it: lines of 10 to 60 bytes.
const sdp = "v=0\r\no=- 3912345678 3912345678 IN IP4 127.0.0.1\r\ns=session\r\nc=IN IP4 127.0.0.1\r\nb=CT:99980\r\nt=0 0\r\n" +
	"m=audio 50000 RTP/AVP 0 8 101\r\na=rtcp:50001\r\na=label:main-audio\r\na=sendrecv\r\na=rtpmap:0 PCMU/8000\r\n" +
	"a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\n"

// BenchmarkAppendJSON is one answered call's record, as the JSONL writer encodes it, beside encoding/json.
func BenchmarkAppendJSON(b *testing.B) {
	at := time.Now()
	raw := "INVITE sip:stejanss@skype.lab SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK.abc\r\nFrom: <sip:2000@acano.steven.lab>;tag=1\r\n" +
		"To: <sip:stejanss@skype.lab>\r\nCall-ID: 4f1c0a@acano\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: 300\r\n\r\n" + sdp
	a := Attempt{ID: "a1", Direction: Inbound, Kind: KindDialog, Start: at, End: at, Peer: "127.0.0.1:40000", PeerName: "vcse.acano.steven.lab",
		FromDomain: "acano.steven.lab", ToDomain: "skype.lab", Method: "INVITE", CallID: "4f1c0a@acano", Outcome: OutcomeAnswered, Status: 200,
		DNS:   []DNSLookup{{Question: "_sipfederationtls._tcp.acano.steven.lab", Type: "SRV", Answer: []string{"0 0 5061 vcse.acano.steven.lab"}, Rcode: "NOERROR", CacheHit: true}},
		TLS:   []TLS{{Conn: "a → b", Version: "TLS 1.2", Cipher: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", Chain: []Cert{{Subject: "CN=a", Issuer: "CN=b", NotAfter: at}}}},
		Trace: []policy.Rule{{Name: policy.RuleSRV, Section: "§7", Outcome: policy.Pass, Inputs: policy.Inputs{Domain: "acano.steven.lab"}}}}
	for range 7 {
		a.Messages = append(a.Messages, Message{Time: at, Conn: "127.0.0.1:5061 → 127.0.0.1:40000", StartLine: "INVITE sip:stejanss@skype.lab SIP/2.0", Raw: raw})
	}
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf, _ = AppendJSON(buf[:0], &a)
		}
	})
	b.Run("answered-call", func(b *testing.B) { // the record BenchmarkInboundCall's calls leave
		a, line := answeredCall(b)
		if got, _ := AppendJSON(nil, &a); !bytes.Equal(got, line) {
			b.Fatalf("the record does not encode back to its line:\n%s", got)
		}
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf, _ = AppendJSON(buf[:0], &a)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		enc := json.NewEncoder(io.Discard)
		enc.SetEscapeHTML(false)
		for b.Loop() {
			_ = enc.Encode(&a)
		}
	})
}

// Every byte that needs care, at every place in and around an eight-byte word.
func TestAppendJSONStringAtEveryAlignment(t *testing.T) {
	for _, special := range []string{`"`, `\`, "\x00", "\x1f", "\n", "\x7f", "\x80", "\xff", "\u00e9", "\u2028", "\U0001F600", " ", "~", "!", "#", "[", "]",
		"\u2029", "\u2027", "\u2192", "\uffff", "\xed\xa0\x80", "\xe0\x80\x80", "\xe2\x80", "\xef\xbf"} {
		for at := range 20 {
			s := strings.Repeat("a", at) + special + strings.Repeat("b", 19-at)
			sameAsStd(t, &Attempt{ID: s})
		}
	}
}

// The second of the last time is kept between times: every time in one attempt, in every order,
// zone and fraction, is still written as encoding/json writes it.
func TestAppendJSONTimesShareASecondCorrectly(t *testing.T) {
	base := time.Date(2026, 12, 2, 1, 58, 7, 0, time.UTC)
	zones := []*time.Location{time.UTC, time.Local, time.FixedZone("plus", 5*3600+30*60), time.FixedZone("minus", -8*3600),
		time.FixedZone("odd", 3*3600+17), time.FixedZone("day", 24*3600)}
	var times []time.Time
	for _, ns := range []int{0, 1, 10, 100, 120000000, 999999999, 500000000, 7} {
		for _, z := range zones {
			times = append(times, base.Add(time.Duration(ns)).In(z), base.Add(time.Second+time.Duration(ns)).In(z))
		}
	}
	times = append(times, time.Time{}, time.Now(), time.Date(10000, 1, 1, 0, 0, 0, 5, time.UTC), time.Date(0, 3, 1, 0, 0, 0, 5, time.UTC),
		time.Date(-1, 3, 1, 0, 0, 0, 0, time.UTC), base)
	for i := range times {
		a := &Attempt{Start: times[i], End: times[(i+1)%len(times)]}
		for _, m := range times[i:min(i+5, len(times))] {
			a.Messages = append(a.Messages, Message{Time: m})
		}
		sameAsStd(t, a)
	}
	a := &Attempt{}
	for _, tm := range times {
		if tm.Year() >= 0 && tm.Year() <= 9999 && tm.Location().String() != "day" {
			a.Messages = append(a.Messages, Message{Time: tm})
		}
	}
	sameAsStd(t, a)
}

// Strings shorter than a word, and the last bytes of longer ones, are read as one padded word.
func TestAppendJSONShortStringsAndTails(t *testing.T) {
	for n := range 18 {
		for at := range n + 1 {
			for _, special := range []string{"", `"`, `\`, "\x00", "\r\n", "\r", "\x7f", "\xff", "\u00e9", "\u2028"} {
				s := strings.Repeat("a", at) + special + strings.Repeat("z", n-at)
				sameAsStd(t, &Attempt{ID: s, Peer: s + s, Messages: []Message{{Raw: s, StartLine: "x" + s}}})
			}
		}
	}
}

// answeredCall is the record one call of BenchmarkInboundCall leaves, and its JSON line.
func answeredCall(b *testing.B) (Attempt, []byte) {
	b.Helper()
	line, err := os.ReadFile("testdata/answered-call.json")
	if err != nil {
		b.Fatal(err)
	}
	var a Attempt
	if err := json.Unmarshal(line, &a); err != nil {
		b.Fatal(err)
	}
	return a, line
}
