package console

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/edgesim/edgesim/scenarios"
)

// answeredScenario and noCertScenario fill the list for the screenshots: an answered call and a
// handshake refused for want of a client certificate.
var (
	answeredScenario = &scenarios.Scenario{Name: "test-answered-inbound", Direction: scenarios.Inbound,
		Peer: scenarios.Peer{Cert: &scenarios.Cert{CN: "vcse.cms.steven.lab"}},
		Call: scenarios.Call{From: "sip:2000@cms.steven.lab", To: "sip:stejanss@skype.lab"}}
	noCertScenario = &scenarios.Scenario{Name: "test-no-cert-inbound", Direction: scenarios.Inbound,
		Peer: scenarios.Peer{Behaviour: scenarios.BehaviourNoClientCert},
		Call: scenarios.Call{From: "sip:2000@cms.steven.lab", To: "sip:stejanss@skype.lab"}}
)

func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium on PATH: the browser test needs it (.ci/run installs the Debian package chromium)")
	return ""
}

// A real browser loads the list, sees a refused call's row arrive over /events without a reload,
// opens it and finds the ladder and the trace. EDGESIM_SCREENSHOTS=DIR also saves both pages as PNGs.
func TestBrowserSeesARefusedCallArriveAndOpensIt(t *testing.T) {
	exe := chromium(t)
	c := startConsole(t, Options{})
	shots := os.Getenv("EDGESIM_SCREENSHOTS")
	if shots != "" {
		for _, sc := range []*scenarios.Scenario{answeredScenario, noCertScenario} {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if _, err := c.srv.playAndWait(ctx, sc); err != nil {
				t.Fatal(err)
			}
			cancel()
		}
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 800))...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// A bound on the whole browser session, not a timed assertion: every step waits for an element.
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(c.http.URL+"/"), chromedp.WaitVisible("#live.on")); err != nil {
		t.Fatalf("list page never went live: %v", err)
	}
	id := c.call(t)
	row := `#attempts tr[data-id="` + id + `"]`
	if err := chromedp.Do(ctx, chromedp.WaitVisible(row)); err != nil {
		t.Fatalf("the refused call's row did not appear: %v", err)
	}
	outcome, err := chromedp.Run(ctx, chromedp.Text(row+" .outcome"))
	if err != nil {
		t.Fatal(err)
	}
	if outcome != "504 · 1009" {
		t.Fatalf("row outcome %q, want 504 · 1009", outcome)
	}
	shot(t, ctx, shots, "list.png")
	err = chromedp.Do(ctx, chromedp.Click(row+" a"), chromedp.WaitVisible("#ladder svg"), chromedp.WaitVisible("#trace li.rule.fail"),
		chromedp.Click(`#ladder .msg[data-msg="0"]`), chromedp.WaitVisible("#msg-0 pre"))
	open := false
	if err == nil {
		open, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("msg-0").open`))
	}
	if err != nil || !open {
		t.Fatalf("attempt page: ladder, trace or message text missing: %v (open %v)", err, open)
	}
	shot(t, ctx, shots, "attempt.png")
}

func shot(t *testing.T, ctx context.Context, dir, name string) {
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
