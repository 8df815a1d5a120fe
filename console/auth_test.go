package console

import (
	"net/http"
	"testing"
)

func TestTokenIsRequiredThenRememberedInACookie(t *testing.T) {
	c := startConsole(t, Options{Token: "s3cret"})
	if code, _ := get(t, c.http.URL+"/api/attempts"); code != http.StatusUnauthorized {
		t.Fatalf("no token: %d, want 401", code)
	}
	req, _ := http.NewRequest("GET", c.http.URL+"/api/attempts", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("bearer: %d", res.StatusCode)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = noFollow.Get(c.http.URL + "/lab?token=s3cret")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/lab" || len(res.Cookies()) != 1 {
		t.Fatalf("?token=: %d to %q with %d cookies", res.StatusCode, res.Header.Get("Location"), len(res.Cookies()))
	}
	req, _ = http.NewRequest("GET", c.http.URL+"/lab", nil)
	req.AddCookie(res.Cookies()[0])
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("cookie: %d", res.StatusCode)
	}
}

func TestWithoutATokenOnlyLoopbackNamesAreAnswered(t *testing.T) {
	c := startConsole(t, Options{})
	req, _ := http.NewRequest("GET", c.http.URL+"/api/attempts", nil)
	req.Host = "rebound.example:5080"
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMisdirectedRequest {
		t.Fatalf("rebound Host: %d, want 421", res.StatusCode)
	}
}

func TestCrossSitePlayIsRefused(t *testing.T) {
	c := startConsole(t, Options{})
	req, _ := http.NewRequest("POST", c.http.URL+"/scenarios/test-refused-inbound/play", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site play: %d, want 403", res.StatusCode)
	}
}
