package ratelimit_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"

	"github.com/wasmward/wasmward/plugins/ratelimit"
	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/policytest"
	"github.com/wasmward/wasmward/shared/schema"
)

const rlsSpec = `{"rls": {"cluster": "ratelimit", "breaker": {"failures": 3, "openFor": "2s"}},
	"limits": [{"id": "per-ip", "backend": "rls", "descriptor": [{"key": "remote_address", "type": "sourceIP"}],
	            "rls": {"requestsPerUnit": 5, "unit": "minute", "timeout": "150ms", "failureMode": "%s"%s}}]}`

func rlsWorker(t *testing.T, mode, extra string) *worker {
	t.Helper()
	return start(t, strings.Replace(strings.Replace(rlsSpec, "%s", mode, 1), "%s", extra, 1), policytest.NewHost())
}

// step is the outcome of one request through the two-step rls decision.
type step struct {
	first   policy.Decision // the first decision (Defer when a callout went out)
	final   policy.Decision
	fetch   *policytest.Fetch
	resumed bool
}

// send decides r; when it defers, answer answers the callout (nil: leave it) and the request is
// decided again as the glue does.
func (w *worker) send(r *policy.Request, answer func(f *policytest.Fetch)) step {
	w.t.Helper()
	s := step{first: w.do(r)}
	if s.first.Verdict != policy.Defer {
		s.final = s.first
		return s
	}
	ready := func() { s.resumed = true }
	waiting := s.first.Await(ready)
	if !waiting {
		r.Awaited = true
		s.final = w.do(r)
		return s
	}
	s.fetch = w.host.TakeFetch()
	if s.fetch == nil {
		w.t.Fatal("deferred without a callout")
	}
	answer(s.fetch)
	if !s.resumed {
		w.t.Fatal("the callout's answer did not resume the request")
	}
	r.Awaited = true
	s.final = w.do(r)
	return s
}

func ok(f *policytest.Fetch) {
	f.Respond(200, `{"overallCode":"OK","statuses":[{"code":"OK","currentLimit":{"requestsPerUnit":5,"unit":"MINUTE"},"limitRemaining":4,"durationUntilReset":"42s"}]}`)
}

func over(f *policytest.Fetch) {
	f.Respond(429, `{"overallCode":"OVER_LIMIT","statuses":[{"code":"OVER_LIMIT","currentLimit":{"requestsPerUnit":5,"unit":"MINUTE"},"durationUntilReset":"12.5s"}]}`)
}

func TestRLSAskAndEnforce(t *testing.T) {
	w := rlsWorker(t, "deny", "")
	s := w.send(req("203.0.113.9:1"), ok)
	if s.first.Verdict != policy.Defer || s.final.Verdict != policy.Allow {
		t.Fatalf("first %v, final %v: want defer then allow", s.first.Verdict, s.final.Verdict)
	}
	fr := s.fetch.Request
	if fr.Cluster != "ratelimit" || fr.Method != "POST" || fr.Path != "/json" || fr.Authority != "ratelimit" || fr.Scheme != "http" || fr.Timeout != 150*time.Millisecond {
		t.Errorf("callout %+v", fr)
	}
	var body struct {
		Domain      string
		Descriptors []struct {
			Entries []struct{ Key, Value string }
			Limit   struct {
				RequestsPerUnit int
				Unit            string
			}
		}
	}
	if err := json.Unmarshal(fr.Body, &body); err != nil {
		t.Fatalf("body %s: %v", fr.Body, err)
	}
	if body.Domain != "wasmward" || len(body.Descriptors) != 1 {
		t.Fatalf("body %s", fr.Body)
	}
	d := body.Descriptors[0]
	if len(d.Entries) != 2 || d.Entries[0].Key != ratelimit.RLSLimitEntry || d.Entries[0].Value != "per-ip" ||
		d.Entries[1].Key != "remote_address" || d.Entries[1].Value != "203.0.113.9" || d.Limit.RequestsPerUnit != 5 || d.Limit.Unit != "MINUTE" {
		t.Errorf("descriptor %s", fr.Body)
	}

	// OVER_LIMIT: the local-limit reply headers with the service's figures.
	s = w.send(req("203.0.113.9:1"), over)
	if s.final.Verdict != policy.Deny || s.final.Reply.Status != 429 || s.final.Reason != ratelimit.ReasonLimited {
		t.Fatalf("over limit: %+v", s.final)
	}
	h := s.final.Reply.Headers
	for name, want := range map[string]string{"retry-after": "13", "ratelimit-policy": `"per-ip";q=5;w=60`, "ratelimit": `"per-ip";r=0;t=13`} {
		if got := header(h, name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	// Until the window resets the key is refused locally: no callout.
	w.host.Advance(10 * time.Second)
	s = w.send(req("203.0.113.9:1"), nil)
	if s.first.Verdict != policy.Deny || header(s.first.Reply.Headers, "retry-after") != "3" || len(w.host.Fetches) != 0 {
		t.Fatalf("over-limit cache: %+v (fetches %d)", s.first, len(w.host.Fetches))
	}
	// Another client is asked about.
	if s = w.send(req("203.0.113.10:1"), ok); s.final.Verdict != policy.Allow {
		t.Fatalf("other client: %+v", s.final)
	}
	w.host.Advance(3 * time.Second)
	if s = w.send(req("203.0.113.9:1"), ok); s.fetch == nil || s.final.Verdict != policy.Allow {
		t.Fatalf("after the reset: %+v", s.final)
	}
}

func TestRLSFailureModes(t *testing.T) {
	timeout := func(f *policytest.Fetch) { f.Fail(errors.New("timeout")) }
	for _, tc := range []struct {
		name   string
		answer func(*policytest.Fetch)
		cause  string
	}{
		{"timeout", timeout, "callout_failed"},
		{"status 500", func(f *policytest.Fetch) { f.Respond(500, "oops") }, "status_500"},
		{"status 400 (redis down)", func(f *policytest.Fetch) { f.Respond(400, "Bad Request\n") }, "status_400"},
		{"garbage", func(f *policytest.Fetch) { f.Respond(200, "<html>") }, "bad_answer"},
		{"wrong status count", func(f *policytest.Fetch) { f.Respond(200, `{"overallCode":"OK","statuses":[]}`) }, "bad_answer"},
		{"unknown code", func(f *policytest.Fetch) { f.Respond(200, `{"overallCode":"UNKNOWN","statuses":[{"code":"UNKNOWN"}]}`) }, "bad_answer"},
	} {
		t.Run(tc.name+"/deny", func(t *testing.T) {
			w := rlsWorker(t, "deny", "")
			s := w.send(req("198.51.100.1:1"), tc.answer)
			d := s.final
			if d.Verdict != policy.Deny || d.Reply.Status != 503 || d.Reason != ratelimit.ReasonRLSUnavailable || d.Details["cause"] != tc.cause {
				t.Fatalf("%+v", d)
			}
		})
		t.Run(tc.name+"/allow", func(t *testing.T) {
			w := rlsWorker(t, "allow", `, "fallback": {"capacity": 2, "fillInterval": "1m"}`)
			w.host.Caps = policy.FullCapabilities
			var got []string
			for range 3 {
				d := w.send(req("198.51.100.1:1"), tc.answer).final
				got = append(got, d.Verdict.String()+"/"+d.Reason+"/"+d.Details["cause"])
				if d.Reason == ratelimit.ReasonRLSUnavailable && !d.Audit {
					t.Error("a fallback allow must be audited")
				}
			}
			want := []string{"allow/rls_unavailable/" + tc.cause, "allow/rls_unavailable/" + tc.cause, "deny/rate_limited/" + tc.cause}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("got %v, want %v (fallback bucket of 2)", got, want)
			}
		})
	}
}

func TestRLSRefusedDispatch(t *testing.T) {
	w := rlsWorker(t, "deny", "")
	w.host.FetchErr = errors.New("no such cluster")
	s := w.send(req("198.51.100.2:1"), nil)
	if s.final.Reply.Status != 503 || s.final.Details["cause"] != "refused" {
		t.Fatalf("%+v", s.final)
	}
}

func TestRLSCircuitBreaker(t *testing.T) {
	w := rlsWorker(t, "deny", "")
	fail := func(f *policytest.Fetch) { f.Fail(errors.New("reset")) }
	for i := range 3 {
		if s := w.send(req("198.51.100.3:1"), fail); s.fetch == nil {
			t.Fatalf("request %d: no callout before the breaker opens", i)
		}
	}
	// Open: no callout, failure mode at once, for openFor.
	for range 5 {
		s := w.send(req("198.51.100.3:1"), nil)
		if s.first.Verdict != policy.Deny || s.first.Details["cause"] != "breaker_open" || len(w.host.Fetches) != 0 {
			t.Fatalf("open breaker: %+v", s.first)
		}
	}
	if !strings.Contains(strings.Join(w.host.Lines, "\n"), "circuit breaker open") {
		t.Error("opening the breaker is not logged")
	}
	w.host.Advance(2 * time.Second)
	// Half-open: one probe; while it is in flight others fail fast.
	var resumed bool
	pr := req("198.51.100.3:1")
	probe := w.do(pr)
	if probe.Verdict != policy.Defer || !probe.Await(func() { resumed = true }) {
		t.Fatalf("no probe after openFor: %+v", probe)
	}
	if d := w.do(req("198.51.100.4:1")); d.Details["cause"] != "breaker_open" {
		t.Fatalf("second request during the probe: %+v", d)
	}
	ok(w.host.TakeFetch())
	pr.Awaited = true
	if d := w.do(pr); !resumed || d.Verdict != policy.Allow {
		t.Fatalf("probe answered OK: %+v", d)
	}
	if s := w.send(req("198.51.100.4:1"), ok); s.fetch == nil || s.final.Verdict != policy.Allow {
		t.Fatal("breaker did not close after a good answer")
	}
}

func TestRLSPreBucketAbsorbsLocally(t *testing.T) {
	w := rlsWorker(t, "deny", `, "preBucket": {"capacity": 2, "fillInterval": "1m"}`)
	for i := range 2 {
		if s := w.send(req("192.0.2.1:1"), ok); s.final.Verdict != policy.Allow {
			t.Fatalf("request %d: %+v", i, s.final)
		}
	}
	s := w.send(req("192.0.2.1:1"), nil)
	if s.first.Verdict != policy.Deny || s.first.Reason != ratelimit.ReasonLimited || len(w.host.Fetches) != 0 {
		t.Fatalf("pre-bucket: %+v", s.first)
	}
}

// Local limits and bans are decided before the callout; a request refused locally never asks.
func TestRLSWithLocalLimits(t *testing.T) {
	spec := `{"rls": {"cluster": "ratelimit"},
		"limits": [
			{"id": "local", "descriptor": [{"key": "ip", "type": "sourceIP"}], "bucket": {"capacity": 1, "fillInterval": "1m"}},
			{"id": "global", "backend": "rls", "descriptor": [{"key": "all", "type": "literal", "value": "x"}], "rls": {"requestsPerUnit": 100, "unit": "second"}},
			{"id": "route", "backend": "rls", "descriptor": [{"key": "m", "type": "method"}], "rls": {"requestsPerUnit": 10, "unit": "second", "timeout": "50ms"}}]}`
	w := start(t, spec, policytest.NewHost())
	s := w.send(req("192.0.2.7:1"), func(f *policytest.Fetch) {
		if f.Request.Timeout != 50*time.Millisecond {
			t.Errorf("timeout %v, want the smallest of the limits'", f.Request.Timeout)
		}
		if n := strings.Count(string(f.Request.Body), `"entries"`); n != 2 {
			t.Errorf("%d descriptors in one callout, want 2", n)
		}
		f.Respond(429, `{"overallCode":"OVER_LIMIT","statuses":[{"code":"OK"},{"code":"OVER_LIMIT","durationUntilReset":"1s"}]}`)
	})
	if s.final.Rule != "route" || s.final.Reply.Status != 429 {
		t.Fatalf("%+v", s.final)
	}
	if s = w.send(req("192.0.2.7:1"), nil); s.first.Rule != "local" || len(w.host.Fetches) != 0 {
		t.Fatalf("local refusal first: %+v", s.first)
	}
}

// The glue may never resume a paused request (client gone): its state is pruned on the tick.
func TestRLSPendingPruned(t *testing.T) {
	w := rlsWorker(t, "deny", "")
	r := req("192.0.2.9:1")
	d := w.do(r)
	d.Await(func() {})
	w.host.Advance(2 * time.Minute)
	w.pol.(policy.Ticker).Tick(w.host.Now())
	w.host.TakeFetch().Respond(200, "late")
	r.Awaited = true
	if d := w.do(r); d.Reply.Status != 503 {
		t.Fatalf("a pruned request decided again: %+v", d)
	}
}

func TestRLSNginxNeedsHostPort(t *testing.T) {
	p, err := ratelimit.Parse([]byte(strings.Replace(strings.Replace(rlsSpec, "%s", "deny", 1), "%s", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	h := policytest.NewHost()
	h.Caps = policy.NginxCapabilities(true)
	if err := p.(policy.Starter).Start(h); err == nil || !strings.Contains(err.Error(), "rls.cluster") {
		t.Fatalf("start on nginx with a cluster name: %v", err)
	}
}

func TestRLSConfigErrors(t *testing.T) {
	ip := `"descriptor": [{"key": "ip", "type": "sourceIP"}]`
	svc := `"rls": {"cluster": "ratelimit"}, `
	for _, tc := range []struct{ name, spec, path string }{
		{"rls limit without service", `{"limits": [{"id": "a", "backend": "rls", ` + ip + `, "rls": {"requestsPerUnit": 1, "unit": "second"}}]}`, "limits[0].backend"},
		{"rls limit without rls", `{` + svc + `"limits": [{"id": "a", "backend": "rls", ` + ip + `}]}`, "limits[0].rls"},
		{"bad unit", `{` + svc + `"limits": [{"id": "a", "backend": "rls", ` + ip + `, "rls": {"requestsPerUnit": 1, "unit": "week"}}]}`, "limits[0].rls.unit"},
		{"bucket with rls", `{` + svc + `"limits": [{"id": "a", "backend": "rls", ` + ip + `, "bucket": {"capacity": 1, "fillInterval": "1s"}, "rls": {"requestsPerUnit": 1, "unit": "second"}}]}`, "limits[0].bucket"},
		{"rls on a local limit", `{` + svc + `"limits": [{"id": "a", ` + ip + `, "bucket": {"capacity": 1, "fillInterval": "1s"}, "rls": {"requestsPerUnit": 1, "unit": "second"}}]}`, "limits[0].rls"},
		{"local limit without bucket", `{"limits": [{"id": "a", ` + ip + `}]}`, "limits[0].bucket"},
		{"fallback with deny", `{` + svc + `"limits": [{"id": "a", "backend": "rls", ` + ip + `, "rls": {"requestsPerUnit": 1, "unit": "second", "fallback": {"capacity": 1, "fillInterval": "1s"}}}]}`, "limits[0].rls.fallback"},
		{"timeout too long", `{` + svc + `"limits": [{"id": "a", "backend": "rls", ` + ip + `, "rls": {"requestsPerUnit": 1, "unit": "second", "timeout": "1m"}}]}`, "limits[0].rls.timeout"},
		{"bad failure mode", `{` + svc + `"limits": [{"id": "a", "backend": "rls", ` + ip + `, "rls": {"requestsPerUnit": 1, "unit": "second", "failureMode": "open"}}]}`, "limits[0].rls.failureMode"},
		{"no cluster", `{"rls": {"domain": "x"}, "limits": [{"id": "a", "backend": "rls", ` + ip + `, "rls": {"requestsPerUnit": 1, "unit": "second"}}]}`, "rls.cluster"},
		{"breaker failures", `{"rls": {"cluster": "c", "breaker": {"failures": 5000}}, "limits": [{"id": "a", "backend": "rls", ` + ip + `, "rls": {"requestsPerUnit": 1, "unit": "second"}}]}`, "rls.breaker.failures"},
		{"bad domain", `{"rls": {"cluster": "c", "domain": "a b"}, "limits": [{"id": "a", "backend": "rls", ` + ip + `, "rls": {"requestsPerUnit": 1, "unit": "second"}}]}`, "rls.domain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ratelimit.Parse([]byte(tc.spec))
			if err == nil {
				t.Fatal("accepted")
			}
			found := false
			for _, fe := range config.Fields(err) {
				found = found || fe.Path == tc.path
			}
			if !found {
				t.Errorf("error %q does not name %s", err, tc.path)
			}
			env := `{"apiVersion": "wasmward/v1", "plugin": "ratelimit", "spec": ` + tc.spec + `}`
			if _, schemaErr := schema.Check(ratelimit.Definition, []byte(env)); schemaErr == nil &&
				!strings.Contains(tc.name, "without service") && !strings.Contains(tc.name, "fallback with deny") &&
				!strings.Contains(tc.name, "timeout too long") {
				t.Errorf("schema accepts it")
			}
		})
	}
}

// The shipped rls example passes the parser and the schema, and renders the service config.
func TestRLSExampleAndServiceConfig(t *testing.T) {
	data, err := os.ReadFile("testdata/rls/cluster.json")
	if err != nil {
		t.Fatal(err)
	}
	if parseErr, schemaErr := schema.Check(ratelimit.Definition, data); parseErr != nil || schemaErr != nil {
		t.Fatalf("parse %v, schema %v", parseErr, schemaErr)
	}
	out, err := ratelimit.ServiceConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"domain: wasmward\n", "value: \"per-client\"", "key: \"remote_address\"", "unit: minute", "requests_per_unit: 60", "requests_per_unit: 1000"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("service config lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "burst") {
		t.Error("a local limit reached the service config")
	}
}

// Through the glue, natively, as .wasm and in the strict host: a request with an rls limit
// pauses and its callout leaves with the service's request (plain http, POST /json, the
// descriptor). (The harness completes a paused request's context at once, and the SDK then
// drops its callout's answer, so the resumed decision is covered by the tests above with
// policytest fetches and by the real-host e2e.)
func TestHarnessRLSCallout(t *testing.T) {
	cfg := `{"apiVersion": "wasmward/v1", "plugin": "ratelimit", "spec": ` +
		strings.Replace(strings.Replace(rlsSpec, "%s", "deny", 1), "%s", "", 1) + `}`
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.MustStart(t, mode, ratelimit.Definition, []byte(cfg))
		// The callouts of request contexts (the harness lists the plugin context's only).
		callouts := func() []proxytest.HttpCalloutAttribute {
			var out []proxytest.HttpCalloutAttribute
			for id := uint32(1); id < 1<<16; id++ {
				out = append(out, h.Emulator().GetCalloutAttributesFromContext(id)...)
			}
			return out
		}
		seen := 0
		for i := range 3 {
			if res := h.Do(harness.Request{Source: "203.0.113.5:1", Path: "/x"}); res.Reply.Status != 0 {
				t.Fatalf("request %d not paused for its callout: %d", i, res.Reply.Status)
			}
			cs := callouts()
			if len(cs) != seen+1 {
				t.Fatalf("%d callouts, want %d", len(cs), seen+1)
			}
			c := cs[seen]
			seen++
			hdr := harness.Reply{Headers: c.Headers}
			if m, _ := hdr.Header(":method"); m != "POST" || c.Upstream != "ratelimit" {
				t.Fatalf("callout %s to %s", m, c.Upstream)
			}
			if sch, _ := hdr.Header(":scheme"); sch != "http" {
				t.Errorf(":scheme %q, want http", sch)
			}
			if p, _ := hdr.Header(":path"); p != "/json" || !strings.Contains(string(c.Body), `"value":"203.0.113.5"`) {
				t.Errorf("callout %s body %s", p, c.Body)
			}
		}
	})
}
