package glue_test

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/shared/audit"
	"github.com/wasmward/wasmward/shared/glue"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/harness/probe"
	"github.com/wasmward/wasmward/shared/identity"
	"github.com/wasmward/wasmward/shared/metrics"
	"github.com/wasmward/wasmward/shared/policy"
)

func probeConfig(extra, spec string) []byte {
	if spec == "" {
		spec = "{}"
	}
	return []byte(`{"apiVersion":"wasmward/v1","plugin":"probe",` + extra + `"spec":` + spec + `}`)
}

func start(t *testing.T, mode harness.Mode, cfg []byte, opts ...harness.Options) *harness.Host {
	t.Helper()
	return harness.MustStart(t, mode, probe.Definition, cfg, probeOptions(opts...))
}

// probeOptions points the harness at the test-only module dist/test/probe.wasm.
func probeOptions(opts ...harness.Options) harness.Options {
	o := harness.Options{}
	if len(opts) > 0 {
		o = opts[0]
	}
	o.WasmPath = harness.RepoRoot() + "/dist/test/probe.wasm"
	return o
}

func probeReq(mode string, extra ...[2]string) harness.Request {
	return harness.Request{Path: "/p?token=abc", Headers: append([][2]string{{"x-probe", mode}}, extra...)}
}

func TestDecisions(t *testing.T) {
	harness.RunCases(t, probe.Definition, probeConfig("", ""), probeCases(), probeOptions())
}

func probeCases() []harness.Case {
	return []harness.Case{
		{Name: "allow passes untouched", Request: probeReq(""), Want: harness.Expect{Status: 200}},
		{Name: "deny sends the local reply with its headers", Request: probeReq("deny"),
			Want: harness.Expect{Status: 403, BodyContains: "denied by probe", Headers: map[string]string{"x-probe-reply": "1"}}},
		{Name: "shadow deny continues", Request: probeReq("shadow"), Want: harness.Expect{Status: 200}},
		{Name: "header mutations reach the upstream", Request: probeReq("mutate", [2]string{"x-remove-me", "1"}),
			Want: harness.Expect{Status: 200, Forwarded: map[string]string{"x-probe-set": "yes"}, ForwardedAbsent: []string{"x-remove-me"}}},
		{Name: "runtime panic fails closed with 500", Request: probeReq("panic"),
			Want: harness.Expect{Status: 500, BodyContains: "internal policy error"}},
		{Name: "body is buffered and replaced", Request: harness.Request{Method: "POST", Body: "hello", Headers: [][2]string{{"x-probe-body", "1"}}},
			Want: harness.Expect{Status: 200, ForwardedBody: ptr("HELLO")}},
		{Name: "body deny", Request: harness.Request{Method: "POST", Body: "evil", Headers: [][2]string{{"x-probe-body", "1"}}},
			Want: harness.Expect{Status: 400}},
		{Name: "body over the limit is 413", Request: harness.Request{Method: "POST", Body: strings.Repeat("a", 65), Headers: [][2]string{{"x-probe-body", "1"}}},
			Want: harness.Expect{Status: 413}},
		{Name: "body ended by trailers is decided", Request: harness.Request{Method: "POST", Body: "evil", Trailers: [][2]string{{"grpc-status", "0"}}, Headers: [][2]string{{"x-probe-body", "1"}}},
			Want: harness.Expect{Status: 400}},
		{Name: "body ended by trailers is replaced", Request: harness.Request{Method: "POST", Body: "fine", Trailers: [][2]string{{"x-t", "1"}}, Headers: [][2]string{{"x-probe-body", "1"}}},
			Want: harness.Expect{Status: 200, ForwardedBody: ptr("FINE")}},
		{Name: "response body ended by trailers is rewritten", Request: harness.Request{Upstream: &harness.Reply{Headers: [][2]string{{"x-probe-mask", "1"}}, Body: `{"a":"b"}`, Trailers: [][2]string{{"x-t", "1"}}}},
			Want: harness.Expect{Status: 200, BodyContains: `{"masked":true}`}},
		{Name: "body not asked for is not buffered", Request: harness.Request{Method: "POST", Body: "evil"},
			Want: harness.Expect{Status: 200, ForwardedBody: ptr("evil")}},
		{Name: "response headers mutated", Request: harness.Request{Upstream: &harness.Reply{Status: 201, Headers: [][2]string{{"server", "internal/1.2"}}}},
			Want: harness.Expect{Status: 201, Headers: map[string]string{"x-probe-seen": "201"}}},
		{Name: "response replaced by a deny", Request: harness.Request{Upstream: &harness.Reply{Headers: [][2]string{{"x-probe-resp", "deny"}}}},
			Want: harness.Expect{Status: 502, BodyContains: "response blocked"}},
		{Name: "response body rewritten", Request: harness.Request{Upstream: &harness.Reply{Headers: [][2]string{{"x-probe-mask", "1"}, {"content-length", "9"}}, Body: `{"a":"b"}`}},
			Want: harness.Expect{Status: 200, BodyContains: `{"masked":true}`}},
	}
}

func TestFailOpenLetsPanicsThrough(t *testing.T) {
	harness.RunCases(t, probe.Definition, probeConfig(`"failureMode":"open",`, ""), []harness.Case{
		{Name: "panic continues", Request: probeReq("panic"), Want: harness.Expect{Status: 200}},
	}, probeOptions())
}

func TestShadowModeNeverBlocks(t *testing.T) {
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := start(t, mode, probeConfig(`"shadow":true,`, ""))
		res := h.Do(probeReq("deny"))
		assert.Equal(t, 200, res.Reply.Status)
		assert.EqualValues(t, 1, h.Counter(metrics.DecisionName("probe", "probe-rule", "probe_deny", metrics.ShadowDeny)))
		lines := h.AuditLines()
		require.Len(t, lines, 1)
		assert.Contains(t, lines[0], `"shadow":true`)
		assert.Contains(t, lines[0], `"decision":"deny"`)
	})
}

// TestOutcomesDefinedAtStart: the glue defines the counters of its own decisions and of every
// outcome the policy lists before the first request, each under the label apply counts it with
// in the plugin's mode; a decision the policy does not list is defined when first counted.
func TestOutcomesDefinedAtStart(t *testing.T) {
	name := func(rule, reason, decision string) string {
		return metrics.DecisionName("probe", rule, reason, decision)
	}
	for _, c := range []struct {
		mode, extra  string
		unlisted     string // the unlisted deny's label
		defined, not []string
	}{
		{"enforcing", "", metrics.Deny, []string{
			name("", "", metrics.Allow), name("", "internal_error", metrics.Error),
			name("probe-rule", "probe_deny", metrics.Deny), name("probe-rule", "probe_shadow", metrics.ShadowDeny),
			name("probe-rule", "probe_audit", metrics.Allow), name("probe-body", "probe_body", metrics.Deny),
			name("", "body_too_large", metrics.Deny), name("probe-resp", "probe_response", metrics.Deny),
		}, []string{
			name("probe-rule", "probe_deny", metrics.ShadowDeny), name("probe-rule", "probe_unlisted", metrics.Deny),
			name("", "handoff_rejected", metrics.Error), // no handoff key
		}},
		{"shadow", `"shadow":true,`, metrics.ShadowDeny, []string{
			name("probe-rule", "probe_deny", metrics.ShadowDeny), name("", "body_too_large", metrics.ShadowDeny),
		}, []string{name("probe-rule", "probe_deny", metrics.Deny)}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
				h := start(t, mode, probeConfig(c.extra, ""))
				defined := func(n string) bool { _, err := h.Emulator().GetCounterMetric(n); return err == nil }
				for _, n := range c.defined {
					assert.True(t, defined(n), "not defined at start: %s", n)
				}
				for _, n := range c.not {
					assert.False(t, defined(n), "defined at start: %s", n)
				}
				h.Do(probeReq("deny"))
				assert.Empty(t, h.LateCounters())
				h.Do(probeReq("unlisted"))
				h.Do(probeReq("unlisted"))
				assert.EqualValues(t, 2, h.Counter(name("probe-rule", "probe_unlisted", c.unlisted)))
				assert.Len(t, h.LateCounters(), 1, "one warning per counter")
			})
		})
	}
}

func TestMetricsAndAuditLines(t *testing.T) {
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := start(t, mode, probeConfig("", ""))
		h.Do(probeReq(""))
		h.Do(probeReq(""))
		h.Do(harness.Request{Path: "/orders/7?access_token=SECRET", Headers: [][2]string{{"x-probe", "deny"}, {"x-request-id", "req-1"}, {"authorization", "Bearer SECRET"}}})
		h.Do(probeReq("panic"))
		assert.EqualValues(t, 2, h.Counter(metrics.DecisionName("probe", "", "", metrics.Allow)))
		assert.EqualValues(t, 1, h.Counter(metrics.DecisionName("probe", "probe-rule", "probe_deny", metrics.Deny)))
		assert.EqualValues(t, 1, h.Counter(metrics.DecisionName("probe", "", "internal_error", metrics.Error)))

		lines := h.AuditLines()
		require.Len(t, lines, 2, "one per deny, one per error; none for allows")
		var deny map[string]any
		require.NoError(t, json.Unmarshal([]byte(lines[0]), &deny))
		assert.Equal(t, "deny", deny["decision"])
		assert.Equal(t, "probe-rule", deny["rule"])
		assert.Equal(t, "probe_deny", deny["reason"])
		assert.EqualValues(t, 403, deny["status"])
		assert.Equal(t, "req-1", deny["requestId"])
		assert.Equal(t, "/orders/7", deny["path"], "the query string never reaches the audit line")
		assert.Equal(t, "2026-01-01T00:00:00.000Z", deny["time"], "time comes from the host clock")
		for _, l := range h.Logs() {
			assert.NotContains(t, l, "SECRET")
		}
	})
}

func TestAuditAllowsWhenConfigured(t *testing.T) {
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := start(t, mode, probeConfig(`"audit":{"allows":true},`, ""))
		h.Do(probeReq(""))
		h.Do(probeReq("audit"))
		lines := h.AuditLines()
		require.Len(t, lines, 2)
		assert.Contains(t, lines[1], `"details":{"location":"header.x-probe"}`)
	})
}

// TestAuditPrincipalPerCaller: the principal of an audited line is its own caller's, whatever
// the caller before (the glue remembers the last subject's hash).
func TestAuditPrincipalPerCaller(t *testing.T) {
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := start(t, mode, probeConfig(`"audit":{"allows":true},`, `{"role":"consumer"}`))
		var want []string
		for _, subject := range []string{"alice", "alice", "bob", "alice"} {
			b, err := identity.Marshal(&policy.Identity{Issuer: "https://idp", Subject: subject})
			require.NoError(t, err)
			h.Do(harness.Request{Properties: map[string]string{identity.PropertyName: string(b)}})
			want = append(want, `"principal":"`+audit.Principal("https://idp", subject)+`"`)
		}
		lines := h.AuditLines()
		require.Len(t, lines, len(want))
		for i, l := range lines {
			assert.Contains(t, l, want[i])
		}
		assert.NotEqual(t, want[1], want[2])
	})
}

// TestStreamsShareNoState: a stream reuses an ended stream's context (streams.go), and sees
// nothing of it: not its headers (the policy's list, nor the host's list that decides whether a
// removal needs a host call), not its decision, whatever the order of longer and shorter requests.
func TestStreamsShareNoState(t *testing.T) {
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := start(t, mode, probeConfig("", ""))
		many := [][2]string{{"x-a1", "1"}, {"x-a2", "2"}, {"x-a3", "3"}, {"x-a4", "4"}, {"x-a5", "5"}, {"x-a6", "6"}}
		for i := range 3 {
			r := h.Do(probeReq("headers", many...))
			got, _ := r.Forwarded.Header("x-probe-headers")
			assert.Equal(t, "x-probe,x-a1,x-a2,x-a3,x-a4,x-a5,x-a6", got, "round %d, long request", i)
			r = h.Do(probeReq("headers"))
			got, _ = r.Forwarded.Header("x-probe-headers")
			assert.Equal(t, "x-probe", got, "round %d, short request after a long one", i)

			r = h.Do(probeReq("mutate", [2]string{"x-remove-me", "1"}))
			_, kept := r.Forwarded.Header("x-remove-me")
			assert.False(t, kept, "round %d: a header the policy removes reached the upstream", i)
			r = h.Do(probeReq("mutate"))
			_, added := r.Forwarded.Header("x-remove-me")
			assert.False(t, added, "round %d: removing a header the request lacks added it", i)

			assert.Equal(t, 403, h.Do(probeReq("deny")).Reply.Status)
			r = h.Do(probeReq("headers"))
			require.NotNil(t, r.Forwarded, "round %d: a request after a denied one was not forwarded", i)
			got, _ = r.Forwarded.Header("x-probe-headers")
			assert.Equal(t, "x-probe", got, "round %d: a request after a denied one was not decided", i)
			assert.Equal(t, 403, h.Do(probeReq("deny")).Reply.Status)
			r = h.Do(harness.Request{Method: "POST", Body: "hello", Headers: [][2]string{{"x-probe-body", "1"}},
				Upstream: &harness.Reply{Status: 200, Headers: [][2]string{{"x-probe-resp", "deny"}}}})
			require.NotNil(t, r.Forwarded, "round %d", i)
			assert.Equal(t, "HELLO", r.Forwarded.Body, "round %d: the body phase after a denied request", i)
			assert.Equal(t, 502, r.Reply.Status, "round %d: the response phase after a denied request", i)
		}
	})
}

// TestStreamsShareNoIdentity: a request on a context another caller's request used before it
// has its own caller's identity. (Alternating callers: the emulator cannot unset a property, so a
// request without one would still see the last.)
func TestStreamsShareNoIdentity(t *testing.T) {
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		consumer := start(t, mode, probeConfig("", `{"role":"consumer"}`))
		for i := range 3 {
			for _, subject := range []string{"alice", "bob"} {
				id, err := identity.Marshal(&policy.Identity{Issuer: "https://idp", Subject: subject})
				require.NoError(t, err)
				r := consumer.Do(harness.Request{Properties: map[string]string{identity.PropertyName: string(id)}})
				got, _ := r.Forwarded.Header("x-probe-subject")
				assert.Equal(t, subject, got, "round %d", i)
			}
		}
	})
}

func TestPanicValuesNeverLogged(t *testing.T) {
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := start(t, mode, probeConfig("", ""))
		assert.Equal(t, 500, h.Do(probeReq("panic-value")).Reply.Status)
		for _, l := range h.Logs() {
			assert.NotContains(t, l, "secret-token-value")
		}
	})
}

func TestStartRefusals(t *testing.T) {
	cases := []struct {
		name, cfg, field string
	}{
		{"empty config", ``, "config is empty"},
		{"unknown envelope field", `{"apiVersion":"wasmward/v1","plugin":"probe","spec":{},"x":1}`, "x: unknown field"},
		{"unknown spec field", `{"apiVersion":"wasmward/v1","plugin":"probe","spec":{"x":1}}`, "spec.x: unknown field"},
		{"wrong spec value", `{"apiVersion":"wasmward/v1","plugin":"probe","spec":{"role":"king"}}`, "spec.role: must be"},
		{"wrong type", `{"apiVersion":"wasmward/v1","plugin":"probe","spec":{"bodyLimit":"9"}}`, "spec.bodyLimit: must be an integer"},
		{"malformed JSON", `{"apiVersion":`, "malformed JSON"},
		{"oversized", `{"apiVersion":"wasmward/v1","plugin":"probe","spec":{},"pad":"` + strings.Repeat("a", 1<<20) + `"}`, "more than the"},
		{"start hook fails", `{"apiVersion":"wasmward/v1","plugin":"probe","spec":{"failStart":true}}`, "probe: told to fail"},
	}
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				h := harness.Start(t, mode, probe.Definition, []byte(c.cfg), probeOptions())
				require.False(t, bool(h.Status), "must refuse to start")
				logs := h.CriticalLogs()
				require.Len(t, logs, 1, "exactly one log line")
				assert.Contains(t, logs[0], "wasmward probe: refusing to start: ")
				assert.Contains(t, logs[0], c.field)
				h.Close()
			})
		}
	})
}

func TestWeakHandoffKeyRefusesStart(t *testing.T) {
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.Start(t, mode, probe.Definition, probeConfig("", ""),
			probeOptions(harness.Options{Env: map[string]string{identity.KeyEnv: "short"}}))
		assert.False(t, bool(h.Status))
		require.Len(t, h.CriticalLogs(), 1)
		assert.Contains(t, h.CriticalLogs()[0], identity.KeyEnv)
		assert.NotContains(t, h.CriticalLogs()[0], "short")
	})
}

func TestClockTicksSharedDataAndCallouts(t *testing.T) {
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := start(t, mode, probeConfig("", ""))
		h.SetTime(time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC))
		fwd := h.Do(probeReq("clock")).Forwarded
		got, _ := fwd.Header("x-probe-now")
		assert.Equal(t, "2030-05-06T07:08:09Z", got)
		// A Wasm guest reads the time as on a real host, by WASI's wall clock (which the harness
		// drives), not the test property a native guest reads: a stale property changes nothing.
		stale := binary.LittleEndian.AppendUint64(nil, uint64(time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC).UnixNano()))
		require.NoError(t, h.Emulator().SetProperty(glue.TestClockProperty, stale))
		got, _ = h.Do(probeReq("clock")).Forwarded.Header("x-probe-now")
		if mode == harness.Native {
			assert.Equal(t, "2001-02-03T04:05:06Z", got)
		} else {
			assert.Equal(t, "2030-05-06T07:08:09Z", got, "the WASI clock")
		}

		assert.Equal(t, time.Second, h.TickPeriod())
		h.Tick()
		h.Tick()
		got, _ = h.Do(probeReq("ticks")).Forwarded.Header("x-probe-ticks")
		assert.Equal(t, "2", got)

		for want := 1; want <= 3; want++ {
			got, _ = h.Do(probeReq("shared")).Forwarded.Header("x-probe-shared")
			assert.Equal(t, itoa(want), got)
		}

		h.Do(probeReq("fetch"))
		h.Tick()
		callouts := h.Callouts()
		require.Len(t, callouts, 1)
		assert.Equal(t, "probe_cluster", callouts[0].Upstream)
		h.RespondCallout(callouts[0].CalloutID, [][2]string{{":status", "200"}}, []byte("keys"))
		got, _ = h.Do(probeReq("fetch-result")).Forwarded.Header("x-probe-fetch")
		assert.Equal(t, "200:keys", got)

		h.Do(probeReq("fetch"))
		h.Tick()
		callouts = h.Callouts()
		require.NotEmpty(t, callouts)
		h.RespondCallout(callouts[len(callouts)-1].CalloutID, nil, nil) // no headers: the host's failure signal
		got, _ = h.Do(probeReq("fetch-result")).Forwarded.Header("x-probe-fetch")
		assert.Equal(t, "error", got)
	})
}

func TestIdentityHandoffByProperty(t *testing.T) {
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		// The consumer reads what a producer published in the host property.
		h := start(t, mode, probeConfig("", `{"role":"consumer"}`))
		b, err := identity.Marshal(&policy.Identity{Subject: "bob"})
		require.NoError(t, err)
		res := h.Do(harness.Request{Properties: map[string]string{identity.PropertyName: string(b)}})
		got, _ := res.Forwarded.Header("x-probe-subject")
		assert.Equal(t, "bob", got)
	})
}

func TestIdentityHeaderIsStrippedAndSigned(t *testing.T) {
	key := strings.Repeat("k", 32)
	withKey := probeOptions(harness.Options{Env: map[string]string{identity.KeyEnv: key}})
	spoofed := [2]string{identity.HeaderName, "v1.0.e30.forged"}
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.MustStart(t, mode, probe.Definition, probeConfig("", `{"role":"producer"}`), withKey)
		res := h.Do(probeReq("", spoofed))
		_, present := res.Forwarded.Header(identity.HeaderName)
		assert.False(t, present, "a producer strips an incoming handoff header even when it hands nothing off")

		res = h.Do(probeReq("identity", spoofed))
		v, ok := res.Forwarded.Header(identity.HeaderName)
		require.True(t, ok)
		id, err := identity.Verify(v, []byte(key), h.Now(), "")
		require.NoError(t, err)
		assert.Equal(t, "alice", id.Subject)
		h.Close()

		// A consumer with the key accepts the signed header and ignores a forged one.
		h = harness.MustStart(t, mode, probe.Definition, probeConfig("", `{"role":"consumer"}`), withKey)
		got, _ := h.Do(harness.Request{Headers: [][2]string{{identity.HeaderName, v}}}).Forwarded.Header("x-probe-subject")
		assert.Equal(t, "alice", got)
		got, _ = h.Do(harness.Request{Headers: [][2]string{spoofed}}).Forwarded.Header("x-probe-subject")
		assert.Equal(t, "none", got)
		assert.EqualValues(t, 1, h.Counter(metrics.DecisionName("probe", "", "handoff_rejected", metrics.Error)))
		h.Close()

		// Without the key, even a validly signed header is ignored.
		h = harness.MustStart(t, mode, probe.Definition, probeConfig("", `{"role":"consumer"}`), probeOptions())
		got, _ = h.Do(harness.Request{Headers: [][2]string{{identity.HeaderName, v}}}).Forwarded.Header("x-probe-subject")
		assert.Equal(t, "none", got)
	})
}

// TestFinding10_HandoffBoundToConnection (issue 16): a signed handoff header is bound to the
// connection it was issued on; captured and replayed on another connection (within its lifetime)
// it grants nothing, while the same connection's later filters accept it.
func TestFinding10_HandoffBoundToConnection(t *testing.T) {
	key := strings.Repeat("k", 32)
	withKey := probeOptions(harness.Options{Env: map[string]string{identity.KeyEnv: key}})
	on := func(conn, mode string, hs ...[2]string) harness.Request {
		r := probeReq(mode, hs...)
		r.Properties = map[string]string{"connection/id": conn}
		return r
	}
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.MustStart(t, mode, probe.Definition, probeConfig("", `{"role":"producer"}`), withKey)
		v, ok := h.Do(on("7", "identity")).Forwarded.Header(identity.HeaderName)
		require.True(t, ok)
		h.Close()

		h = harness.MustStart(t, mode, probe.Definition, probeConfig("", `{"role":"consumer"}`), withKey)
		got, _ := h.Do(on("7", "", [2]string{identity.HeaderName, v})).Forwarded.Header("x-probe-subject")
		assert.Equal(t, "alice", got, "the same connection's next filter accepts it")
		got, _ = h.Do(on("8", "", [2]string{identity.HeaderName, v})).Forwarded.Header("x-probe-subject")
		assert.Equal(t, "none", got, "replayed on another connection it grants nothing")
		h.Close()
	})
}

func ptr[T any](v T) *T { return &v }

func itoa(n int) string { return string(rune('0' + n)) }
