package console

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/edge"
)

func postCall(t *testing.T, c *testConsole, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", c.http.URL+"/api/calls", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// POST /api/calls places a call through the running Edge behind the console's token check and
// answers the call's result as `edgesim call --json` prints it; the Edge records it as its own.
func TestAPICallPlacesTheCallThroughTheRunningEdge(t *testing.T) {
	c := startConsole(t, Options{Token: "s3cret"})
	if code, _ := postCall(t, c, "", `{"to":"sip:2000@acano.steven.lab"}`); code != http.StatusNotFound && code != http.StatusUnauthorized {
		t.Fatalf("no token: %d", code)
	}
	if code, _ := postCall(t, c, "s3cret", `{"to":"sip:2000@acano.steven.lab"}`); code != http.StatusNotFound {
		t.Fatalf("a console placing no calls: %d, want 404", code)
	}
	c.srv.o.Call = func(ctx context.Context, req edge.CallRequest) edge.CallResult {
		return c.svc.Outbound().Call(ctx, req, nil)
	}
	if code, _ := postCall(t, c, "", `{"to":"sip:2000@acano.steven.lab"}`); code != http.StatusUnauthorized {
		t.Fatalf("no token: %d, want 401", code)
	}
	for _, bad := range []string{`{"to":"2000@acano.steven.lab"}`, `{"to":"sip:2000@acano.steven.lab","timeout":"1h"}`,
		`{"to":"sip:2000@acano.steven.lab","duration":"soon"}`, `{"to":"sip:2000@acano.steven.lab","extra":1}`, `not json`} {
		if code, body := postCall(t, c, "s3cret", bad); code != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", bad, code, body)
		}
	}
	code, body := postCall(t, c, "s3cret", `{"to":"sip:2000@acano.steven.lab","timeout":"5s"}`)
	var res edge.CallResult
	if err := json.Unmarshal([]byte(body), &res); code != http.StatusOK || err != nil {
		t.Fatalf("%d %v\n%s", code, err, body)
	}
	if res.Status != 504 || res.DiagnosticCode != 1009 || res.InviteSent || res.From != "sip:stejanss@skype.lab" {
		t.Errorf("result %+v, want the Edge's own 504 · 1009 from the default Skype user", res)
	}
	var list []byte // the record is written off the call's path
	for deadline := time.Now().Add(3 * time.Second); !strings.Contains(string(list), res.CallID) && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		req, _ := http.NewRequest("GET", c.http.URL+"/api/attempts", nil)
		req.Header.Set("Authorization", "Bearer s3cret")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		list, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	if !strings.Contains(string(list), res.CallID) {
		t.Errorf("the running Edge's record lacks the call %s:\n%s", res.CallID, list)
	}
}
