package health

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// CheckMetrics reads /metrics at addr (with the bearer token when one is set): healthy when it
// answers 200 with edgesim_build_info, the line every edgesim registry holds.
func CheckMetrics(ctx context.Context, addr, token string, timeout time.Duration) Check {
	hc := Check{Check: "metrics", Address: addr, Status: Fail}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		hc.Detail = err.Error()
		return hc
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := (&http.Client{Timeout: timeout}).Do(req)
	if err != nil {
		hc.Detail = fmt.Sprintf("no answer within %s: %v", timeout, err)
		return hc
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		hc.Detail = "answered " + res.Status
		if res.StatusCode == http.StatusUnauthorized {
			hc.Detail += ": metrics.token is not the running Edge's"
		}
		return hc
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "edgesim_build_info{") {
			hc.Status, hc.Detail = OK, line
			return hc
		}
	}
	hc.Detail = "answered 200 without edgesim_build_info: not an edgesim"
	return hc
}
