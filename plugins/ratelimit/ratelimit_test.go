package ratelimit_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wasmward/wasmward/plugins/ratelimit"
	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/policytest"
)

// worker is one started policy (one proxy worker) on a fake host.
type worker struct {
	t    testing.TB
	pol  policy.Policy
	host *policytest.Host
}

func start(t testing.TB, spec string, host *policytest.Host) *worker {
	t.Helper()
	p, err := ratelimit.Parse([]byte(spec))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if err := p.(policy.Starter).Start(host); err != nil {
		t.Fatalf("start: %v", err)
	}
	return &worker{t: t, pol: p, host: host}
}

// req builds a request: source address, then header pairs.
func req(source string, headers ...[2]string) *policy.Request {
	pairs := append([][2]string{{":method", "GET"}, {":path", "/orders/7"}, {":authority", "example.com"}}, headers...)
	r := policy.NewRequest(pairs, nil, nil)
	r.SetSourceAddress(source)
	return r
}

func (w *worker) do(r *policy.Request) policy.Decision { return w.pol.OnRequest(r) }

// allowed counts the allowed requests of n identical ones.
func (w *worker) allowed(n int, mk func() *policy.Request) int {
	ok := 0
	for range n {
		if d := w.do(mk()); d.Verdict == policy.Allow || d.Shadow {
			ok++
		}
	}
	return ok
}

const perIP = `{"limits": [{"id": "per-ip", "descriptor": [{"key": "remote_address", "type": "sourceIP"}],
	"bucket": {"capacity": 3, "fillInterval": "1s"}}]}`

func header(h [][2]string, name string) string {
	for _, p := range h {
		if p[0] == name {
			return p[1]
		}
	}
	return ""
}

func TestLimitPerSourceIP(t *testing.T) {
	w := start(t, perIP, policytest.NewHost())
	a := func() *policy.Request { return req("203.0.113.7:5555") }
	if got := w.allowed(5, a); got != 3 {
		t.Fatalf("allowed %d of 5, want the capacity 3", got)
	}
	if got := w.allowed(1, func() *policy.Request { return req("203.0.113.8:1") }); got != 1 {
		t.Fatal("another address shares the first one's bucket")
	}
	if got := w.allowed(1, func() *policy.Request { return req("203.0.113.7:6666") }); got != 0 {
		t.Fatal("the port is part of the key")
	}
	w.host.Advance(time.Second)
	if got := w.allowed(2, a); got != 1 {
		t.Fatalf("after one fill interval allowed %d, want 1", got)
	}
}

func TestDenyReplyCarriesRateLimitHeaders(t *testing.T) {
	spec := `{"limits": [{"id": "api", "descriptor": [{"key": "remote_address", "type": "sourceIP"}],
		"bucket": {"capacity": 2, "tokensPerFill": 1, "fillInterval": "10s"}}],
		"reply": {"body": "{\"error\":\"slow down\"}", "contentType": "application/json", "legacyHeaders": true}}`
	w := start(t, spec, policytest.NewHost())
	w.do(req("198.51.100.1:1"))
	w.do(req("198.51.100.1:1"))
	d := w.do(req("198.51.100.1:1"))
	if d.Verdict != policy.Deny || d.Reply.Status != 429 || d.Rule != "api" || d.Reason != ratelimit.ReasonLimited {
		t.Fatalf("decision %+v", d)
	}
	want := map[string]string{
		"retry-after": "10", "ratelimit-policy": `"api";q=2;w=20`, "ratelimit": `"api";r=0;t=10`,
		"content-type": "application/json", "x-ratelimit-limit": "2", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "10",
	}
	for name, v := range want {
		if got := header(d.Reply.Headers, name); got != v {
			t.Errorf("%s: got %q, want %q", name, got, v)
		}
	}
	if string(d.Reply.Body) != `{"error":"slow down"}` {
		t.Errorf("body %q", d.Reply.Body)
	}
	if !strings.HasPrefix(d.Details["key"], "h:") || strings.Contains(d.Details["key"], "198.51") {
		t.Errorf("audit key %q must be a hash", d.Details["key"])
	}
}

func TestXForwardedForTrustedHops(t *testing.T) {
	spec := `{"trustedProxies": ["10.0.0.0/8"], "limits": [{"id": "client", "descriptor": [{"key": "remote_address", "type": "sourceIP", "trustedHops": 2}],
		"bucket": {"capacity": 1, "fillInterval": "1h"}}]}`
	w := start(t, spec, policytest.NewHost())
	xff := func(v string) *policy.Request { return req("10.0.0.1:1", [2]string{"x-forwarded-for", v}) }
	if w.do(xff("1.1.1.1, 203.0.113.9, 10.0.0.2")).Verdict != policy.Allow {
		t.Fatal("first request of 203.0.113.9 denied")
	}
	// The client cannot escape by prepending addresses: the 2nd from the right is still the same.
	if w.do(xff("6.6.6.6, 7.7.7.7, 203.0.113.9, 10.0.0.2")).Verdict != policy.Deny {
		t.Fatal("prepended XFF entries changed the key")
	}
	// Too few entries: the last trusted proxy's bucket, shared by every such request.
	if w.do(xff("10.0.0.2")).Verdict != policy.Allow || w.do(xff("10.0.0.2")).Verdict != policy.Deny {
		t.Fatal("a request without enough XFF hops must share the proxy's bucket")
	}
}

func TestClaimOverridesAndUnknownBucket(t *testing.T) {
	spec := `{"limits": [{"id": "tier", "onMissing": "unknown",
		"descriptor": [{"key": "tier", "type": "claim", "claim": "plan.tier"}, {"key": "sub", "type": "claim", "claim": "sub"}],
		"bucket": {"capacity": 1, "fillInterval": "1h"},
		"overrides": [{"when": {"tier": "gold"}, "bucket": {"capacity": 3, "fillInterval": "1h"}}]}]}`
	w := start(t, spec, policytest.NewHost())
	withClaims := func(claims string) func() *policy.Request {
		return func() *policy.Request {
			r := req("192.0.2.1:1")
			if claims != "" {
				r.SetIdentity(&policy.Identity{Subject: "x", Claims: json.RawMessage(claims)})
			}
			return r
		}
	}
	if got := w.allowed(5, withClaims(`{"sub":"alice","plan":{"tier":"gold"}}`)); got != 3 {
		t.Errorf("gold: allowed %d, want the override's 3", got)
	}
	if got := w.allowed(5, withClaims(`{"sub":"bob","plan":{"tier":"free"}}`)); got != 1 {
		t.Errorf("free: allowed %d, want the default 1", got)
	}
	if got := w.allowed(2, withClaims(`{"sub":"carol","plan":{"tier":"free"}}`)); got != 1 {
		t.Errorf("another subject must have its own bucket: allowed %d", got)
	}
	// No identity and an identity without the claims share one "unknown" bucket.
	if got := w.allowed(1, withClaims("")) + w.allowed(1, withClaims(`{"iss":"x"}`)); got != 1 {
		t.Errorf("unknown: allowed %d of 2, want 1 (one shared bucket)", got)
	}
}

func TestMissingPartSkipsTheLimit(t *testing.T) {
	spec := `{"limits": [{"id": "tenant", "descriptor": [{"key": "tenant", "type": "header", "header": "X-Tenant"}],
		"bucket": {"capacity": 1, "fillInterval": "1h"}}]}`
	w := start(t, spec, policytest.NewHost())
	if got := w.allowed(3, func() *policy.Request { return req("192.0.2.1:1") }); got != 3 {
		t.Errorf("without the header allowed %d of 3: the limit must be skipped", got)
	}
	if got := w.allowed(2, func() *policy.Request { return req("192.0.2.1:1", [2]string{"x-tenant", "acme"}) }); got != 1 {
		t.Errorf("with the header allowed %d of 2, want 1", got)
	}
}

func TestPathPatternMethodCompositeKey(t *testing.T) {
	spec := `{"limits": [{"id": "writes", "descriptor": [
		{"key": "path", "type": "path", "patterns": ["/orders/*", "/carts/**"]}, {"key": "method", "type": "method"}],
		"bucket": {"capacity": 2, "fillInterval": "1h"}}]}`
	w := start(t, spec, policytest.NewHost())
	mk := func(method, path string) func() *policy.Request {
		return func() *policy.Request {
			return policy.NewRequest([][2]string{{":method", method}, {":path", path}}, nil, nil)
		}
	}
	// /orders/1 and /orders/2 share the pattern's bucket.
	if got := w.allowed(1, mk("POST", "/orders/1")) + w.allowed(2, mk("POST", "/orders/2?x=1")); got != 2 {
		t.Errorf("one pattern, one bucket: allowed %d of 3, want 2", got)
	}
	if got := w.allowed(1, mk("GET", "/orders/1")); got != 1 {
		t.Error("another method must have its own bucket")
	}
	if got := w.allowed(3, mk("POST", "/users/1")); got != 3 {
		t.Error("a path matching no pattern must skip the limit")
	}
	if got := w.allowed(3, mk("POST", "/carts/a/b/c")); got != 2 {
		t.Errorf("** pattern: allowed %d, want 2", got)
	}
}

func TestAllLimitsMustGrant(t *testing.T) {
	spec := `{"limits": [
		{"id": "ip", "descriptor": [{"key": "remote_address", "type": "sourceIP"}], "bucket": {"capacity": 5, "fillInterval": "1h"}},
		{"id": "global", "descriptor": [{"key": "generic_key", "type": "literal", "value": "all"}], "bucket": {"capacity": 3, "fillInterval": "1h"}}]}`
	w := start(t, spec, policytest.NewHost())
	got := 0
	var last policy.Decision
	for i := range 6 {
		last = w.do(req("192.0.2." + string(rune('1'+i)) + ":1"))
		if last.Verdict == policy.Allow {
			got++
		}
	}
	if got != 3 || last.Rule != "global" {
		t.Fatalf("allowed %d (want 3, the global limit), last rule %q", got, last.Rule)
	}
}

func TestShadowLimitRecordsButDoesNotStop(t *testing.T) {
	spec := `{"limits": [
		{"id": "trial", "shadow": true, "descriptor": [{"key": "remote_address", "type": "sourceIP"}], "bucket": {"capacity": 1, "fillInterval": "1h"}},
		{"id": "enforced", "descriptor": [{"key": "remote_address", "type": "sourceIP"}], "bucket": {"capacity": 2, "fillInterval": "1h"}}]}`
	w := start(t, spec, policytest.NewHost())
	w.do(req("192.0.2.1:1"))
	d := w.do(req("192.0.2.1:1"))
	if d.Verdict != policy.Deny || !d.Shadow || d.Rule != "trial" {
		t.Fatalf("second request: %+v, want a shadow deny of trial", d)
	}
	d = w.do(req("192.0.2.1:1"))
	if d.Verdict != policy.Deny || d.Shadow || d.Rule != "enforced" {
		t.Fatalf("third request: %+v, want an enforced deny", d)
	}
}

func TestNoSharedDataFallsBackPerWorker(t *testing.T) {
	host := policytest.NewHost()
	host.NoShared = true
	w := start(t, perIP, host)
	host.Caps = policy.Capabilities{Kind: policy.HostNginx}
	limits := w.pol.(policy.Limited).Limits(host.Caps)
	if len(limits) != 1 || !strings.Contains(limits[0], "per worker") {
		t.Fatalf("want one limit about per-worker buckets, got %q", limits)
	}
	if l := w.pol.(policy.Limited).Limits(policy.FullCapabilities); l != nil {
		t.Fatalf("Envoy: want no limits, got %q", l)
	}
	if got := w.allowed(5, func() *policy.Request { return req("192.0.2.1:1") }); got != 3 {
		t.Fatalf("per-VM bucket allowed %d, want 3", got)
	}
}

func TestSharedDataHoldsNoRawValues(t *testing.T) {
	spec := `{"limits": [{"id": "tok", "descriptor": [{"key": "auth", "type": "header", "header": "authorization"}, {"key": "ip", "type": "sourceIP"}],
		"bucket": {"capacity": 1, "fillInterval": "1s"}}], "keys": {"max": 16}}`
	host := policytest.NewHost()
	w := start(t, spec, host)
	w.do(req("203.0.113.77:1", [2]string{"authorization", "Bearer s3cr3t-token"}))
	for _, k := range host.Store.Keys() {
		v, _, _ := host.Store.Get(k)
		for _, raw := range []string{"s3cr3t", "203.0.113.77", "Bearer", "authorization"} {
			if strings.Contains(k, raw) || strings.Contains(string(v), raw) {
				t.Fatalf("shared data %q holds %q", k, raw)
			}
		}
	}
	if host.Store.Len() != 16 {
		t.Fatalf("store has %d keys, want exactly keys.max = 16 slots", host.Store.Len())
	}
}

func TestHashKeyFromEnvironment(t *testing.T) {
	spec := `{"limits": [{"id": "a", "descriptor": [{"key": "ip", "type": "sourceIP"}], "bucket": {"capacity": 1, "fillInterval": "1s"}}],
		"keys": {"hashKeyEnv": "RL_KEY"}}`
	p, _ := ratelimit.Parse([]byte(spec))
	host := policytest.NewHost()
	if err := p.(policy.Starter).Start(host); err == nil || !strings.Contains(err.Error(), "RL_KEY") {
		t.Fatalf("start without the secret: %v", err)
	}
	host.EnvVars["RL_KEY"] = "0123456789abcdef0123"
	if err := p.(policy.Starter).Start(host); err != nil {
		t.Fatal(err)
	}
}

// Without bans the policy has no response phase, so the glue skips it entirely.
func TestResponsePhaseOnlyWithBans(t *testing.T) {
	p, _ := ratelimit.Parse([]byte(perIP))
	if _, ok := p.(policy.ResponsePolicy); ok {
		t.Error("a config without bans implements ResponsePolicy")
	}
	p, _ = ratelimit.Parse([]byte(banSpec))
	if _, ok := p.(policy.ResponsePolicy); !ok {
		t.Error("a config with bans does not implement ResponsePolicy")
	}
}

// A config whose limits and bans key on the client's address (no trusted hops), the route and
// literals decides without the request's headers, and says so (policy.HeaderFreeDecider): the
// glue then does not read them before its decision. Any part that reads a header, the path, the
// method or the identity, a trusted hop (x-forwarded-for) or the rate limit service reads them.
func TestDecidesWithoutHeaders(t *testing.T) {
	limit := func(descriptor string) string {
		return `{"limits": [{"id": "l", "descriptor": [` + descriptor + `], "bucket": {"capacity": 5, "fillInterval": "1s"}}]}`
	}
	ip := `{"key": "remote_address", "type": "sourceIP"}`
	for _, tc := range []struct {
		name, spec string
		want       bool
	}{
		{"per address", perIP, true},
		{"address, route and a literal", limit(ip + `, {"key": "route", "type": "route"}, {"key": "k", "type": "literal", "value": "v"}`), true},
		{"address ban", banSpec, true},
		{"a header", limit(ip + `, {"key": "t", "type": "header", "header": "x-tenant"}`), false},
		{"the path", limit(`{"key": "p", "type": "path", "patterns": ["/a/*"]}`), false},
		{"the method", limit(`{"key": "m", "type": "method"}`), false},
		{"a claim", limit(`{"key": "c", "type": "claim", "claim": "sub"}`), false},
		{"a trusted hop", `{"trustedProxies": ["10.0.0.0/8"], "limits": [{"id": "l",
			"descriptor": [{"key": "ip", "type": "sourceIP", "trustedHops": 1}], "bucket": {"capacity": 5, "fillInterval": "1s"}}]}`, false},
		{"the rate limit service", strings.Replace(strings.Replace(rlsSpec, "%s", "deny", 1), "%s", "", 1), false},
	} {
		p, err := ratelimit.Parse([]byte(tc.spec))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		hf, ok := p.(policy.HeaderFreeDecider)
		if !ok {
			t.Fatalf("%s: %T does not implement policy.HeaderFreeDecider", tc.name, p)
		}
		if got := hf.DecidesWithoutHeaders(); got != tc.want {
			t.Errorf("%s: DecidesWithoutHeaders %v, want %v", tc.name, got, tc.want)
		}
	}
}
