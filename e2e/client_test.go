package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/wasmward/wasmward/shared/harness"
)

var client = &http.Client{
	Timeout: 10 * time.Second,
	// Replies are asserted as they are, redirects included.
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// errNotForwarded: the upstream saw no request since the reply was queued.
var errNotForwarded = errors.New("not forwarded")

// do sends a harness request through Envoy: it queues the upstream's reply, sends the request,
// and reads back what the upstream received, giving the same Result the harness gives.
func do(r harness.Request) (harness.Result, error) {
	up := harness.Reply{Status: 200}
	if r.Upstream != nil {
		up = *r.Upstream
	}
	q, _ := json.Marshal(up)
	if err := call(http.MethodPut, upstreamURL+"/_e2e/next", q, nil); err != nil {
		return harness.Result{}, fmt.Errorf("queue upstream reply: %w", err)
	}
	method, path := r.Method, r.Path
	if method == "" {
		method = http.MethodGet
	}
	if path == "" {
		path = "/"
	}
	req, err := http.NewRequest(method, envoyURL+path, strings.NewReader(r.Body))
	if err != nil {
		return harness.Result{}, err
	}
	req.Host = r.Authority
	if req.Host == "" {
		req.Host = "example.com"
	}
	for _, h := range r.Headers {
		if strings.EqualFold(h[0], "host") {
			req.Host = h[1]
			continue
		}
		req.Header.Add(h[0], h[1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return harness.Result{}, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	res := harness.Result{Reply: harness.Reply{Status: resp.StatusCode, Body: string(body)}}
	for name, values := range resp.Header {
		for _, v := range values {
			res.Reply.Headers = append(res.Reply.Headers, [2]string{strings.ToLower(name), v})
		}
	}
	var seen harness.Request
	switch err := call(http.MethodGet, upstreamURL+"/_e2e/last", nil, &seen); {
	case errors.Is(err, errNotForwarded):
		res.LocalReply = true
	case err != nil:
		return harness.Result{}, err
	default:
		res.Forwarded = &seen
	}
	return res, nil
}

// call makes a control request to the upstream; out, when set, receives the JSON reply.
func call(method, url string, body []byte, out any) error {
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return errNotForwarded
	case resp.StatusCode >= 300:
		return fmt.Errorf("%s %s: status %d", method, url, resp.StatusCode)
	case out != nil:
		return json.NewDecoder(resp.Body).Decode(out)
	}
	return nil
}

// decisionLines returns the wasmward decision counters of Envoy's Prometheus output: lines of
// envoy_wasmcustom_wasmward_decisions with a non-zero value.
func decisionLines() ([]string, error) {
	body, err := get(context.Background(), adminURL+"/stats/prometheus")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "envoy_wasmcustom_wasmward_decisions{") && !strings.HasSuffix(line, " 0") {
			out = append(out, line)
		}
	}
	return out, nil
}
