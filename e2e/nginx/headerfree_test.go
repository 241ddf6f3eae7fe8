package nginx

import (
	"strings"
	"testing"
	"time"

	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/tools/genconfigs/gen"
)

// TestHeaderFreeOnNginx: a ratelimit config keyed on the client's address alone decides before
// the glue reads the request's headers (policy.HeaderFreeDecider). On the real host the upstream
// still gets the request as the client sent it, and a deny's audit line has the method, the
// path and the request id, which the glue reads after the decision.
func TestHeaderFreeOnNginx(t *testing.T) {
	bin := hostOrSkip(t)
	w := newWorld(t)
	addrs, err := FreeAddrs(1)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte(`{"apiVersion":"wasmward/v1","plugin":"ratelimit","spec":{"limits":[{"id":"per-ip",` +
		`"descriptor":[{"key":"remote_address","type":"sourceIP"}],"bucket":{"capacity":1,"fillInterval":"1m"}}]}}`)
	limit := gen.NginxFilter{Plugin: "ratelimit", Config: inlineConfig(t, "ratelimit", "header-free", data)}
	n := w.startNginx(t, bin, 1, []site{{addr: addrs[0], filters: []gen.NginxFilter{limit}}})
	req := func(id string) harness.Request {
		return harness.Request{Source: "203.0.113.77:40000", Path: "/orders/7?q=1",
			Headers: [][2]string{{"x-request-id", id}, {"accept", "text/plain"}}}
	}
	reply, seen, err := w.roundTrip(addrs[0], req("hf-1"))
	if err != nil || reply.Status != 200 || seen == nil {
		t.Fatalf("first request: %v status %d, upstream reached %v", err, reply.Status, seen != nil)
	}
	if got := strings.Join(seen.Header("accept"), ","); got != "text/plain" {
		t.Errorf("upstream got accept %q, want the client's text/plain", got)
	}
	if got := strings.Join(seen.Header("x-request-id"), ","); got != "hf-1" {
		t.Errorf("upstream got x-request-id %q, want hf-1", got)
	}
	reply, seen, err = w.roundTrip(addrs[0], req("hf-2"))
	if err != nil || reply.Status != 429 || seen != nil {
		t.Fatalf("second request: %v status %d, upstream reached %v; want 429", err, reply.Status, seen != nil)
	}
	var line string
	for deadline := time.Now().Add(2 * time.Second); line == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, l := range strings.Split(n.ErrorLog(), "\n") {
			if strings.Contains(l, `"reason":"rate_limited"`) {
				line = l
			}
		}
	}
	for _, want := range []string{`"requestId":"hf-2"`, `"method":"GET"`, `"path":"/orders/7"`} {
		if !strings.Contains(line, want) {
			t.Errorf("the deny's audit line lacks %s: %q", want, line)
		}
	}
	ensureNoProblems(t, n)
}
