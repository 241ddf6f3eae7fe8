package ratelimit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wasmward/wasmward/plugins/ratelimit"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/metrics"
)

// Each testdata/cases/<x>.json runs against testdata/valid/<x>.json, in native and wasm mode.
func TestCaseFiles(t *testing.T) { harness.RunCaseFiles(t, ratelimit.Definition) }

const harnessCfg = `{"apiVersion": "wasmward/v1", "plugin": "ratelimit", "audit": {"allows": false}, "spec": {
	"limits": [{"id": "per-ip", "descriptor": [{"key": "remote_address", "type": "sourceIP"}],
	            "bucket": {"capacity": 3, "tokensPerFill": 1, "fillInterval": "10s"}}],
	"keys": {"max": 128, "idleTimeout": "1m", "sweepInterval": "1s"}}}`

// Refill by the host clock, the idle sweep on the host tick, metrics and audit lines, in both
// modes (wasm mode runs dist/ratelimit.wasm: `make build` first).
func TestHarnessRefillSweepMetricsAudit(t *testing.T) {
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.MustStart(t, mode, ratelimit.Definition, []byte(harnessCfg))
		if h.TickPeriod() != time.Second {
			t.Fatalf("tick period %v, want keys.sweepInterval", h.TickPeriod())
		}
		a := harness.Request{Source: "203.0.113.50:1234", Path: "/x?token=secret"}
		statuses := func(n int) (out []int) {
			for range n {
				out = append(out, h.Do(a).Reply.Status)
			}
			return out
		}
		if got := statuses(4); got[2] != 200 || got[3] != 429 {
			t.Fatalf("burst: %v, want 3 × 200 then 429", got)
		}
		h.Advance(10 * time.Second)
		if got := statuses(2); got[0] != 200 || got[1] != 429 {
			t.Fatalf("after one fill interval: %v, want 200 then 429", got)
		}
		// Long idle: the sweep frees the key; the client comes back to a full bucket.
		h.Advance(5 * time.Minute)
		for range 3 {
			h.Tick()
		}
		if got := statuses(4); got[2] != 200 || got[3] != 429 {
			t.Fatalf("after long idle: %v, want a full bucket again", got)
		}
		if n := h.Counter(metrics.DecisionName("ratelimit", "per-ip", ratelimit.ReasonLimited, metrics.Deny)); n != 3 {
			t.Errorf("rate_limited deny counter %d, want 3", n)
		}
		lines := h.AuditLines()
		if len(lines) != 3 {
			t.Fatalf("%d audit lines, want one per deny: %q", len(lines), lines)
		}
		for _, l := range lines {
			if !strings.Contains(l, `"reason":"rate_limited"`) || !strings.Contains(l, `"key":"h:`) ||
				strings.Contains(l, "203.0.113.50") || strings.Contains(l, "secret") {
				t.Errorf("audit line %s", l)
			}
		}
	})
}

// A ban started in the response phase is counted (ban_started), audited, and enforced.
func TestHarnessBanMetrics(t *testing.T) {
	cfg := `{"apiVersion": "wasmward/v1", "plugin": "ratelimit", "spec": {
		"bans": [{"id": "auth", "descriptor": [{"key": "ip", "type": "sourceIP"}], "statusClasses": ["4xx"],
		          "threshold": 2, "window": "1m", "duration": "1m"}]}}`
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.MustStart(t, mode, ratelimit.Definition, []byte(cfg))
		bad := harness.Request{Source: "192.0.2.44:1", Upstream: &harness.Reply{Status: 403}}
		h.Do(bad)
		h.Do(bad)
		if st := h.Do(bad).Reply.Status; st != 429 {
			t.Fatalf("banned client got %d", st)
		}
		if n := h.Counter(metrics.DecisionName("ratelimit", "auth", ratelimit.ReasonBanStarted, metrics.Allow)); n != 1 {
			t.Errorf("ban_started counter %d, want 1", n)
		}
		if n := h.Counter(metrics.DecisionName("ratelimit", "auth", ratelimit.ReasonBanned, metrics.Deny)); n != 1 {
			t.Errorf("banned deny counter %d, want 1", n)
		}
		h.Advance(time.Minute)
		if st := h.Do(harness.Request{Source: "192.0.2.44:1"}).Reply.Status; st != 200 {
			t.Fatalf("after the ban: %d", st)
		}
		found := false
		for _, l := range h.AuditLines() {
			found = found || strings.Contains(l, `"reason":"ban_started"`) && !strings.Contains(l, "192.0.2.44")
		}
		if !found {
			t.Errorf("no ban_started audit line: %q", h.AuditLines())
		}
	})
}

// The envelope's shadow mode counts and audits denies but lets every request through.
func TestHarnessShadowMode(t *testing.T) {
	cfg := strings.Replace(harnessCfg, `"audit": {"allows": false}`, `"shadow": true`, 1)
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.MustStart(t, mode, ratelimit.Definition, []byte(cfg))
		for i := range 5 {
			if st := h.Do(harness.Request{Source: "203.0.113.60:1"}).Reply.Status; st != 200 {
				t.Fatalf("request %d in shadow mode: %d", i, st)
			}
		}
		if n := h.Counter(metrics.DecisionName("ratelimit", "per-ip", ratelimit.ReasonLimited, metrics.ShadowDeny)); n != 2 {
			t.Errorf("shadow_deny counter %d, want 2", n)
		}
		if n := len(h.AuditLines()); n != 2 {
			t.Errorf("%d audit lines, want 2", n)
		}
	})
}

// A limit and a ban on the client's address alone read no request header on nginx (the glue
// skips the read: policy.HeaderFreeDecider), in the request phase nor in the ban's response
// phase. On Envoy, which lets go of the request's headers before the response phase, the glue
// reads them first, for the ban's audit line. On both, the audit lines of the ban's start and
// of the banned request carry the method, the path and the request id.
func TestHarnessHeaderFreeBan(t *testing.T) {
	cfg := `{"apiVersion": "wasmward/v1", "plugin": "ratelimit", "spec": {
		"limits": [{"id": "per-ip", "descriptor": [{"key": "ip", "type": "sourceIP"}], "bucket": {"capacity": 100, "fillInterval": "1m"}}],
		"bans": [{"id": "auth", "descriptor": [{"key": "ip", "type": "sourceIP"}], "statuses": [401],
		          "threshold": 2, "window": "1m", "duration": "1m"}]}}`
	for _, c := range []struct {
		profile harness.HostProfile
		reads   int // header list reads for two requests neither audited nor edited
	}{{harness.OldEnvoy, 2}, {harness.Nginx, 0}} {
		t.Run(c.profile.Name, func(t *testing.T) {
			cfg := cfg
			if c.profile.Nginx {
				cfg = strings.Replace(cfg, `"spec"`, `"host": {"kind": "nginx", "sharedData": true}, "spec"`, 1)
			}
			h := harness.MustStart(t, harness.Strict, ratelimit.Definition, []byte(cfg), harness.Options{Profile: c.profile})
			reads := func() (n int) { // the VM's stats are shared: count the difference
				for _, calls := range h.StrictStats().Calls {
					n += calls["proxy_get_header_map_pairs"]
				}
				return n
			}
			req := func(id string, status int) harness.Request {
				return harness.Request{Source: "192.0.2.45:1", Path: "/orders/7?q=1", Method: "POST",
					Headers: [][2]string{{"x-request-id", id}}, Upstream: &harness.Reply{Status: status}}
			}
			before := reads()
			if st := h.Do(req("ok", 200)).Reply.Status; st != 200 {
				t.Fatalf("first request: %d", st)
			}
			h.Do(req("fail-1", 401)) // counted, no audit line
			if n := reads() - before; n != c.reads {
				t.Errorf("%d header list reads for two requests neither audited nor edited, want %d", n, c.reads)
			}
			h.Do(req("fail-2", 401)) // starts the ban
			if st := h.Do(req("banned", 200)).Reply.Status; st != 429 {
				t.Fatalf("banned client got %d, want 429", st)
			}
			lines := h.AuditLines()
			if len(lines) != 2 {
				t.Fatalf("audit lines %q, want the ban's start and the banned request", lines)
			}
			for i, want := range [][]string{{`"reason":"ban_started"`, `"requestId":"fail-2"`}, {`"reason":"banned"`, `"requestId":"banned"`}} {
				for _, w := range append(want, `"method":"POST"`, `"path":"/orders/7"`) {
					if !strings.Contains(lines[i], w) {
						t.Errorf("audit line %d lacks %s: %s", i, w, lines[i])
					}
				}
			}
		})
	}
}
