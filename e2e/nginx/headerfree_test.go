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
	w, n, addr := startHeaderFree(t, `{"apiVersion":"wasmward/v1","plugin":"ratelimit","spec":{"limits":[{"id":"per-ip",`+
		`"descriptor":[{"key":"remote_address","type":"sourceIP"}],"bucket":{"capacity":1,"fillInterval":"1m"}}]}}`)
	reply, seen, err := w.roundTrip(addr, headerFreeRequest("hf-1", 200))
	if err != nil || reply.Status != 200 || seen == nil {
		t.Fatalf("first request: %v status %d, upstream reached %v", err, reply.Status, seen != nil)
	}
	if got := strings.Join(seen.Header("accept"), ","); got != "text/plain" {
		t.Errorf("upstream got accept %q, want the client's text/plain", got)
	}
	if got := strings.Join(seen.Header("x-request-id"), ","); got != "hf-1" {
		t.Errorf("upstream got x-request-id %q, want hf-1", got)
	}
	reply, seen, err = w.roundTrip(addr, headerFreeRequest("hf-2", 200))
	if err != nil || reply.Status != 429 || seen != nil {
		t.Fatalf("second request: %v status %d, upstream reached %v; want 429", err, reply.Status, seen != nil)
	}
	checkAuditLine(t, n, "rate_limited", "hf-2")
	ensureNoProblems(t, n)
}

// TestHeaderFreeBanOnNginx: with a ban on the client's address next to the limit, the ban's
// response phase (the status alone) keeps the config header-free. On the real host the ban
// starts on the second 401 and holds the next request; the audit line of the start, written in
// the response phase, and the banned request's have the method, the path and the request id.
func TestHeaderFreeBanOnNginx(t *testing.T) {
	w, n, addr := startHeaderFree(t, `{"apiVersion":"wasmward/v1","plugin":"ratelimit","spec":{"limits":[{"id":"per-ip",`+
		`"descriptor":[{"key":"remote_address","type":"sourceIP"}],"bucket":{"capacity":100,"fillInterval":"1m"}}],`+
		`"bans":[{"id":"auth","descriptor":[{"key":"remote_address","type":"sourceIP"}],"statuses":[401],`+
		`"threshold":2,"window":"1m","duration":"1m"}]}}`)
	for i, c := range []struct {
		id       string
		upstream int
	}{{"hfb-1", 200}, {"hfb-2", 401}, {"hfb-3", 401}} {
		reply, seen, err := w.roundTrip(addr, headerFreeRequest(c.id, c.upstream))
		if err != nil || reply.Status != c.upstream || seen == nil {
			t.Fatalf("request %d: %v status %d, upstream reached %v", i+1, err, reply.Status, seen != nil)
		}
		if got := strings.Join(seen.Header("accept"), ","); got != "text/plain" {
			t.Errorf("request %d: upstream got accept %q, want the client's text/plain", i+1, got)
		}
	}
	checkAuditLine(t, n, "ban_started", "hfb-3")
	reply, seen, err := w.roundTrip(addr, headerFreeRequest("hfb-4", 200))
	if err != nil || reply.Status != 429 || seen != nil {
		t.Fatalf("banned request: %v status %d, upstream reached %v; want 429", err, reply.Status, seen != nil)
	}
	checkAuditLine(t, n, "banned", "hfb-4")
	ensureNoProblems(t, n)
}

// startHeaderFree starts one nginx worker with the ratelimit config data as its only filter.
func startHeaderFree(t *testing.T, data string) (*world, *Nginx, string) {
	t.Helper()
	bin := hostOrSkip(t)
	w := newWorld(t)
	addrs, err := FreeAddrs(1)
	if err != nil {
		t.Fatal(err)
	}
	limit := gen.NginxFilter{Plugin: "ratelimit", Config: inlineConfig(t, "ratelimit", "header-free", []byte(data))}
	return w, w.startNginx(t, bin, 1, []site{{addr: addrs[0], filters: []gen.NginxFilter{limit}}}), addrs[0]
}

// headerFreeRequest is a GET from one client address with request id id, answered by the
// upstream with status.
func headerFreeRequest(id string, status int) harness.Request {
	return harness.Request{Source: "203.0.113.77:40000", Path: "/orders/7?q=1",
		Headers: [][2]string{{"x-request-id", id}, {"accept", "text/plain"}}, Upstream: &harness.Reply{Status: status}}
}

// checkAuditLine waits for nginx's error log to hold the audit line of reason for request id,
// and checks it has the request's method and path.
func checkAuditLine(t *testing.T, n *Nginx, reason, id string) {
	t.Helper()
	var line string
	for deadline := time.Now().Add(2 * time.Second); line == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, l := range strings.Split(n.ErrorLog(), "\n") {
			if strings.Contains(l, `"reason":"`+reason+`"`) && strings.Contains(l, `"requestId":"`+id+`"`) {
				line = l
			}
		}
	}
	if line == "" {
		t.Fatalf("no %s audit line for request %s in the error log", reason, id)
	}
	for _, want := range []string{`"method":"GET"`, `"path":"/orders/7"`} {
		if !strings.Contains(line, want) {
			t.Errorf("the %s audit line lacks %s: %q", reason, want, line)
		}
	}
}
