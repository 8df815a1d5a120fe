package console

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/edgesim/edgesim/record"
	"github.com/edgesim/edgesim/record/artifact"
)

func TestAttemptOfARealCallIsListedDrawnAndServedAsJSON(t *testing.T) {
	c := startConsole(t, Options{})
	id := c.call(t)
	code, page := get(t, c.http.URL+"/")
	if code != 200 || !strings.Contains(page, `data-id="`+id+`"`) || !strings.Contains(page, "504 · 1009") {
		t.Fatalf("list (%d) lacks the refused attempt %s:\n%s", code, id, page)
	}
	code, page = get(t, c.http.URL+"/attempts/"+id)
	for _, want := range []string{"<svg", `class="msg"`, "INVITE sip:stejanss@skype.lab", `id="trace"`, "in-domain", "vcse.steven.lab", "Result-Code"} {
		if code != 200 || !strings.Contains(page, want) {
			t.Fatalf("attempt page (%d) lacks %q:\n%s", code, want, page)
		}
	}
	var one record.Attempt
	_, js := get(t, c.http.URL+"/api/attempts/"+id)
	if err := json.Unmarshal([]byte(js), &one); err != nil || one.ID != id || one.Diagnostic != 1009 {
		t.Fatalf("api attempt: %v %+v", err, one)
	}
	var all []record.Attempt
	_, js = get(t, c.http.URL+"/api/attempts")
	if err := json.Unmarshal([]byte(js), &all); err != nil || len(all) == 0 || all[0].ID != id {
		t.Fatalf("api list: %v %d", err, len(all))
	}
	if code, svg := get(t, c.http.URL+"/attempts/"+id+"/ladder.svg"); code != 200 || svg != artifact.Ladder(one) {
		t.Fatalf("ladder download (%d) is not Ladder(attempt)", code)
	}
	if code, _ := get(t, c.http.URL+"/attempts/nope"); code != http.StatusNotFound {
		t.Fatalf("unknown attempt: %d, want 404", code)
	}
}

func TestEventsStreamDeliversTheAttemptOfARealCall(t *testing.T) {
	c := startConsole(t, Options{})
	res, err := http.Get(c.http.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	r := bufio.NewReader(res.Body)
	// The opening comment is written after the subscription exists: from here nothing is missed.
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, ": edgesim console") {
		t.Fatalf("stream opened with %q, %v", line, err)
	}
	id := c.call(t)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		data, ok := strings.CutPrefix(strings.TrimSpace(line), "data: ")
		if !ok {
			continue
		}
		var row Row
		if err := json.Unmarshal([]byte(data), &row); err != nil {
			t.Fatal(err)
		}
		if row.ID != id || row.Outcome != "504 · 1009" || row.Direction != "inbound" || row.From != "acano.steven.lab" {
			t.Fatalf("event row %+v, want attempt %s, 504 · 1009", row, id)
		}
		return
	}
}

func TestPlayButtonPlaysAgainstTheRunningEdgeAndOpensTheAttempt(t *testing.T) {
	c := startConsole(t, Options{})
	_, page := get(t, c.http.URL+"/scenarios")
	if !strings.Contains(page, `action="/scenarios/test-refused-inbound/play"`) {
		t.Fatalf("no play button:\n%s", page)
	}
	res, err := http.Post(c.http.URL+"/scenarios/test-refused-inbound/play", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Request.URL.Path, "/attempts/") {
		t.Fatalf("play ended at %s (%d)", res.Request.URL, res.StatusCode)
	}
}

func TestLabPageShowsZonesCertificatesAndTheCA(t *testing.T) {
	c := startConsole(t, Options{})
	_, page := get(t, c.http.URL+"/lab")
	for _, want := range []string{"$ORIGIN acano.steven.lab.", "_sipfederationtls._tcp.acano.steven.lab.", "sip.skype.lab", "/lab/ca.pem", c.svc.SIPAddr().String()} {
		if !strings.Contains(page, want) {
			t.Fatalf("lab page lacks %q:\n%s", want, page)
		}
	}
	if code, pem := get(t, c.http.URL+"/lab/ca.pem"); code != 200 || !strings.HasPrefix(pem, "-----BEGIN CERTIFICATE-----") {
		t.Fatalf("CA download (%d): %.60s", code, pem)
	}
}
