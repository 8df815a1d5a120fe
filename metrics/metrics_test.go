package metrics

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestCheckListen(t *testing.T) {
	for addr, ok := range map[string]bool{"127.0.0.1:9464": true, "[::1]:9464": true, "localhost:1": true, "0.0.0.0:9464": false, ":9464": false, "192.0.2.1:1": false} {
		if err := CheckListen(addr, ""); (err == nil) != ok {
			t.Errorf("CheckListen(%q) = %v", addr, err)
		}
	}
	if err := CheckListen("0.0.0.0:1", "secret"); err != nil {
		t.Errorf("a token allows any address: %v", err)
	}
}

func TestServeWithToken(t *testing.T) {
	m := New("test")
	m.Attempts.WithLabelValues("inbound", "INVITE", "refused", "1009").Inc()
	s, err := Serve("127.0.0.1:0", "tok", m)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err := http.Get("http://" + s.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no token: %d", res.StatusCode)
	}
	req, _ := http.NewRequest("GET", "http://"+s.Addr()+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer tok")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, want := range []string{`edgesim_attempts_total{direction="inbound",method="INVITE",ms_diagnostics="1009",outcome="refused"} 1`, "edgesim_build_info{", "edgesim_calls_active 0"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
