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
	if err := chromedp.Do(ctx, chromedp.Navigate(c.http.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatalf("list page never went live: %v", err)
	}
	id := c.call(t)
	row := `#attempts tr[data-id="` + id + `"]`
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(row))); err != nil {
		t.Fatalf("the refused call's row did not appear: %v", err)
	}
	outcome, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row+" .outcome")))
	if err != nil {
		t.Fatal(err)
	}
	if outcome != "504 · 1009" {
		t.Fatalf("row outcome %q, want 504 · 1009", outcome)
	}
	shot(t, ctx, shots, "list.png")
	err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(row+" a")), chromedp.WaitVisible(chromedp.CSS("#ladder svg")), chromedp.WaitVisible(chromedp.CSS("#trace li.rule.fail")),
		chromedp.Click(chromedp.CSS(`#ladder .msg[data-msg="0"]`)), chromedp.WaitVisible(chromedp.CSS("#msg-0 pre")))
	open := false
	if err == nil {
		open, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("msg-0").open`))
	}
	if err != nil || !open {
		t.Fatalf("attempt page: ladder, trace or message text missing: %v (open %v)", err, open)
	}
	shot(t, ctx, shots, "attempt.png")
	if shots != "" {
		pages(t, ctx, c, shots)
	}
}

// misnamedScenario: cms.steven.lab's SRV target is vcse.cms.steven.lab, which this certificate
// does not name, so the certificate rule fails and the page marks the expected name missing.
var misnamedScenario = &scenarios.Scenario{Name: "test-misnamed-inbound", Direction: scenarios.Inbound,
	Peer: scenarios.Peer{Cert: &scenarios.Cert{CN: "expressway.cms.steven.lab", SANs: []string{"expressway.cms.steven.lab", "cms.steven.lab"}}},
	Call: scenarios.Call{From: "sip:2000@cms.steven.lab", To: "sip:stejanss@skype.lab"}}

// pages saves the other pages a trainer shows: a certificate refusal's trace, the lab, the library.
func pages(t *testing.T, ctx context.Context, c *testConsole, dir string) {
	pctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, err := c.srv.playAndWait(pctx, misnamedScenario)
	if err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{"cert-attempt.png": "/attempts/" + id, "lab.png": "/lab", "scenarios.png": "/scenarios"} {
		tab, cancel := chromedp.NewContext(ctx) // a tab of its own for each page
		if err := chromedp.Do(tab, chromedp.Navigate(c.http.URL+path), chromedp.WaitVisible(chromedp.CSS("body > main"))); err != nil {
			t.Fatal(err)
		}
		shot(t, tab, dir, name)
		cancel()
	}
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
