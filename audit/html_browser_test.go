package audit

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// chromium finds the browser: $LEAKGUARD_CHROMIUM (set by .ci/run), else
// chromium or google-chrome on PATH. Under CI a missing browser fails the
// test; locally it skips.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("LEAKGUARD_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if p, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium: install Debian's chromium (.ci/run does) or set LEAKGUARD_CHROMIUM")
	}
	t.Skip("no Chromium on PATH (set LEAKGUARD_CHROMIUM); CI=true makes this a failure")
	return ""
}

// screenshotPath is where the test leaves the page's screenshot for a
// person to look at: $LEAKGUARD_ARTIFACTS, else the temp directory.
func screenshotPath() string {
	dir := os.Getenv("LEAKGUARD_ARTIFACTS")
	if dir == "" {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "leakguard-audit-report.png")
}

// TestHTMLInChromium loads the HTML report in a real headless Chromium:
// no console errors or exceptions, no network request, one timeline mark
// per exposure, the script wires marks to their cards; and it writes a
// screenshot.
func TestHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	r, secrets := sampleReport(t)
	if len(r.Exposures) < 3 {
		t.Fatalf("sample has %d exposures", len(r.Exposures))
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "audit.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(f, r); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b, _ := os.ReadFile(page)
	for _, s := range secrets {
		if strings.Contains(string(b), s) || strings.Contains(string(b), s[8:28]) {
			t.Fatal("the HTML report holds a secret")
		}
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox, // root in CI containers
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1200, 900),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	// Start the browser without a deadline (a deadline on the first Run
	// would bound the browser's life), then bound each step.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting chromium (%s): %v", bin, err)
	}
	watch, stopWatch := context.WithCancel(bctx)
	var mu sync.Mutex
	var problems []string
	note := func(s string) {
		mu.Lock()
		problems = append(problems, s)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	console := chromedp.Console(watch)
	requests := chromedp.Events(watch, network.RequestWillBeSent)
	wg.Add(2)
	go func() {
		defer wg.Done()
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
				note(fmt.Sprintf("console %s: %s", m.Type, m.Text))
			}
		}
	}()
	go func() {
		defer wg.Done()
		for ev, err := range requests {
			if err != nil {
				return
			}
			if u := ev.Request.URL; !strings.HasPrefix(u, "file://") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "about:") {
				note("network request: " + u)
			}
		}
	}()

	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.Navigate("file://"+page),
		chromedp.WaitReady(chromedp.CSS("#timeline")),
		chromedp.Click(chromedp.CSS("#timeline .mark .bar")),
	); err != nil {
		t.Fatalf("chromium (%s): %v", bin, err)
	}
	marks, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#timeline .mark").length`))
	if err != nil {
		t.Fatal(err)
	}
	cards, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#exposures .exp").length`))
	if err != nil {
		t.Fatal(err)
	}
	selected, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector("#exposures .exp.sel")`))
	if err != nil {
		t.Fatal(err)
	}
	// The state filter hides the other exposures' cards.
	removed := 0
	for _, e := range r.Exposures {
		if exposureState(e) == "removed" {
			removed++
		}
	}
	visible, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(function () {
		var s = document.getElementById("f-state"); s.value = "removed"; s.dispatchEvent(new Event("change"));
		var n = 0; document.querySelectorAll("#exposures .exp").forEach(function (el) { if (el.offsetParent !== null) { n++; } });
		s.value = ""; s.dispatchEvent(new Event("change"));
		return n; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if visible != removed || removed == 0 {
		t.Errorf("state filter 'removed': %d cards shown, want %d", visible, removed)
	}
	// Layout at a desktop's width and a phone's: nothing wider than the
	// window (no sideways scrolling), a screenshot of each.
	var shot []byte
	for _, width := range []int64{1400, 390} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
			t.Fatal(err)
		}
		over, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if over > 0 {
			t.Errorf("at %d px the page is %d px wider than the window", width, over)
		}
		s, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if width == 1400 {
			shot = s
		} else if err := os.WriteFile(strings.TrimSuffix(screenshotPath(), ".png")+"-390.png", s, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Late messages, then stop watching.
	_ = chromedp.Do(ctx, chromedp.Sleep(300*time.Millisecond))
	stopWatch()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("the page is not clean:\n%s", strings.Join(problems, "\n"))
	}
	if marks != len(r.Exposures) {
		t.Errorf("timeline has %d marks, want one per exposure (%d)", marks, len(r.Exposures))
	}
	if cards != len(r.Exposures) {
		t.Errorf("%d exposure cards, want %d", cards, len(r.Exposures))
	}
	if !selected {
		t.Errorf("clicking a timeline mark did not select its exposure")
	}
	out := screenshotPath()
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", out, len(shot))
}
