package harness_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/harness/probe"
	"github.com/wasmward/wasmward/shared/identity"
)

// The nginx profile is a recording of ngx_wasm_module (nginx 1.27.4, module 3bed2783, Wasmtime
// 25, measured through e2e/nginx). Each test below reproduces one behaviour of that host with
// the misbehaving module doing what wasmward's glue once did, next to the glue doing it right.

// withMisbehaving runs f with dist/test/misbehaving.wasm started in a fresh strict host with
// config, then closes the host (one harness host runs at a time).
func withMisbehaving(t *testing.T, config string, opts harness.Options, f func(h *harness.Host)) {
	t.Helper()
	opts.WasmPath = filepath.Join(harness.RepoRoot(), "dist", "test", "misbehaving.wasm")
	opts.FreshVM = true
	h, err := harness.NewHost(harness.Strict, misbehaving, []byte(config), opts)
	if err != nil {
		harness.FailOrSkipMissing(t, err)
	}
	defer h.Close()
	f(h)
}

const (
	nginxConfig = `{"apiVersion":"wasmward/v1","plugin":"misbehaving","host":{"kind":"nginx"},"spec":{}}`
	// envoyBelief is a config telling the glue it runs in Envoy: it then does what Envoy allows.
	envoyBelief = `{"apiVersion":"wasmward/v1","plugin":"misbehaving","host":{"kind":"envoy"},"spec":{}}`
)

func misbehave(how string) harness.Request {
	return harness.Request{Headers: [][2]string{{"x-misbehave", how}}}
}

// recovered runs f and returns what it panicked with (the strict host reports traps so).
func recovered(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}

// TestNginxProfile_GaugeIncrementTraps: ngx_wasm_module traps on proxy_increment_metric for a
// gauge ("metric not a counter"); the glue only ever sets gauges, so starting (which samples
// the heap gauges) and serving do not trap.
func TestNginxProfile_GaugeIncrementTraps(t *testing.T) {
	withMisbehaving(t, nginxConfig, harness.Options{Profile: harness.Nginx}, func(h *harness.Host) {
		require.Equal(t, 200, h.Do(harness.Request{}).Reply.Status)
		require.Empty(t, h.StrictStats().Traps, "the glue's gauges must be set, not incremented")
		require.NotNil(t, recovered(func() { h.Do(misbehave("gauge-increment")) }))
		require.Contains(t, h.StrictStats().Traps[0], "metric not a counter")
	})
}

// TestNginxProfile_MetricDefinedWhileServing: ngx_wasm_module increments a metric without its
// zone's lock while a definition inserts under it, so a metric first defined while serving can
// trap another worker's request (seen once in a clean clone's e2e soak: one 500). The glue
// defines its own counters and every outcome a policy lists at start; a decision the policy
// does not list is defined on its first use, which the profile reports.
func TestNginxProfile_MetricDefinedWhileServing(t *testing.T) {
	withMisbehaving(t, nginxConfig, harness.Options{Profile: harness.Nginx}, func(h *harness.Host) {
		require.Equal(t, 200, h.Do(harness.Request{}).Reply.Status)
		require.Equal(t, 500, h.Do(misbehave("panic")).Reply.Status)
		require.Empty(t, h.StrictStats().Violations, "the plain allow and the glue's internal error are defined at start")
		require.Equal(t, 403, h.Do(misbehave("deny")).Reply.Status)
		require.Contains(t, strings.Join(h.StrictStats().Violations, "\n"),
			"proxy_on_request_headers: defines metric wasmward.decisions.plugin=misbehaving.rule=.reason=misbehaved.decision=deny while serving")
	})
}

// TestNginxProfile_NoisyProperties: route_name (and Envoy's other xDS and peer-certificate
// properties) get an error or alert line in nginx's log per read; the glue does not read them
// on nginx, and does when it believes it runs in Envoy.
func TestNginxProfile_NoisyProperties(t *testing.T) {
	withMisbehaving(t, nginxConfig, harness.Options{Profile: harness.Nginx}, func(h *harness.Host) {
		h.Do(misbehave("route-name"))
		require.Empty(t, h.StrictStats().Violations)
	})
	withMisbehaving(t, envoyBelief, harness.Options{Profile: harness.Nginx}, func(h *harness.Host) {
		h.Do(misbehave("route-name"))
		require.Contains(t, strings.Join(h.StrictStats().Violations, "\n"), "reads route_name")
	})
}

// TestNginxProfile_HostDetectionIsQuiet: without host.kind the glue probes plugin_vm_id, which
// nginx answers with an NYI alert; with host.kind it reads nothing to know the host.
func TestNginxProfile_HostDetectionIsQuiet(t *testing.T) {
	withMisbehaving(t, `{"apiVersion":"wasmward/v1","plugin":"misbehaving","spec":{}}`, harness.Options{Profile: harness.Nginx}, func(h *harness.Host) {
		require.Contains(t, strings.Join(h.StrictStats().Violations, "\n"), "reads plugin_vm_id")
	})
	withMisbehaving(t, nginxConfig, harness.Options{Profile: harness.Nginx}, func(h *harness.Host) {
		require.Empty(t, h.StrictStats().Violations)
	})
}

// TestNginxProfile_PluginNameAtStartCrashes: reading plugin_name while starting crashed the
// worker (mask did); the glue and plugins read no such property at start.
func TestNginxProfile_PluginNameAtStartCrashes(t *testing.T) {
	r := recovered(func() {
		withMisbehaving(t, `{"apiVersion":"wasmward/v1","plugin":"misbehaving","host":{"kind":"nginx"},"spec":{"startProperty":"plugin_name"}}`,
			harness.Options{Profile: harness.Nginx}, func(*harness.Host) {})
	})
	require.NotNil(t, r, "reading plugin_name at start must trap on the nginx profile")
	require.Contains(t, fmt.Sprint(r), "plugin_name")
}

// TestNginxProfile_HeadersPauseHangs: nginx resumes a request paused in its headers phase only
// after an HTTP callout, so a glue pausing there to wait for the body hangs the client. On
// nginx the glue continues the headers and decides in the body callback.
func TestNginxProfile_HeadersPauseHangs(t *testing.T) {
	body := misbehave("body")
	body.Method, body.Body = "POST", `{"a":1}`
	withMisbehaving(t, envoyBelief, harness.Options{Profile: harness.Nginx}, func(h *harness.Host) {
		require.True(t, h.Do(body).Hung, "a glue that pauses the headers phase must hang on nginx")
		require.Contains(t, strings.Join(h.StrictStats().Violations, "\n"), "holds the request forever")
	})
	withMisbehaving(t, nginxConfig, harness.Options{Profile: harness.Nginx}, func(h *harness.Host) {
		res := h.Do(body)
		require.False(t, res.Hung)
		require.Equal(t, 200, res.Reply.Status)
		require.Equal(t, `{"a":1}`, res.Forwarded.Body)
	})
}

// TestNginxProfile_RefusedStartIsFatal: an on_configure failure makes the worker exit for good;
// on nginx the glue starts, logs the refusal once and answers every request with 503.
func TestNginxProfile_RefusedStartIsFatal(t *testing.T) {
	withMisbehaving(t, `{"apiVersion":"wasmward/v1","plugin":"misbehaving","host":{"kind":"envoy"},"spec":{"refuse":true}}`,
		harness.Options{Profile: harness.Nginx}, func(h *harness.Host) {
			require.Contains(t, strings.Join(h.StrictStats().Violations, "\n"), "exits for good")
		})
	withMisbehaving(t, `{"apiVersion":"wasmward/v1","plugin":"misbehaving","host":{"kind":"nginx"},"spec":{"refuse":true}}`,
		harness.Options{Profile: harness.Nginx}, func(h *harness.Host) {
			require.Empty(t, h.StrictStats().Violations)
			require.True(t, bool(h.Status))
			require.Len(t, h.CriticalLogs(), 1)
			require.Contains(t, h.CriticalLogs()[0], "refusing to start: told to refuse")
			require.Equal(t, 503, h.Do(harness.Request{}).Reply.Status)
		})
}

// TestNginxProfile_RemovedRequestHeadersForwarded: ngx_wasm_module only marks a removed request
// header, and proxy_pass still sends it with the client's value; a replace marks every later
// duplicate, which is sent too. On nginx the glue empties a header instead of removing it (the
// location re-sets it from its variable, which drops it empty: policy.ProxyNeeds) and refuses
// with 400 a header it must change that came twice.
func TestNginxProfile_RemovedRequestHeadersForwarded(t *testing.T) {
	req := misbehave("remove-x-user")
	req.Headers = append(req.Headers, [2]string{"x-user", "mallory"})
	withMisbehaving(t, envoyBelief, harness.Options{Profile: harness.Nginx}, func(h *harness.Host) {
		got, _ := h.Do(req).Forwarded.Header("x-user")
		require.Equal(t, "mallory", got, "nginx forwards a header the plugin removed")
	})
	withMisbehaving(t, nginxConfig, harness.Options{Profile: harness.Nginx}, func(h *harness.Host) {
		_, ok := h.Do(req).Forwarded.Header("x-user")
		require.False(t, ok, "emptied and re-set by the location: dropped")
	})
	withMisbehaving(t, nginxConfig, harness.Options{Profile: harness.Nginx, BareLocation: true}, func(h *harness.Host) {
		got, ok := h.Do(req).Forwarded.Header("x-user")
		require.True(t, ok)
		require.Empty(t, got, "a location that does not re-set it forwards it empty")
	})
	withMisbehaving(t, nginxConfig, harness.Options{Profile: harness.Nginx}, func(h *harness.Host) {
		twice := req
		twice.Headers = append(slices.Clone(req.Headers), [2]string{"x-user", "eve"})
		res := h.Do(twice)
		require.Equal(t, 400, res.Reply.Status, "a duplicate that cannot be stripped is refused")
		require.Nil(t, res.Forwarded)
	})
	withMisbehaving(t, envoyBelief, harness.Options{Profile: harness.OldEnvoy}, func(h *harness.Host) {
		_, ok := h.Do(req).Forwarded.Header("x-user")
		require.False(t, ok, "Envoy drops a removed header")
	})
}

// TestNginxProfile_DecodedPath: nginx hands the plugin its decoded, normalized URI as :path and
// answers some requests itself; the glue matches on the raw target (request.path), and a
// rewritten query reaches the upstream with nginx's URI.
func TestNginxProfile_DecodedPath(t *testing.T) {
	withMisbehaving(t, nginxConfig, harness.Options{Profile: harness.Nginx}, func(h *harness.Host) {
		res := h.Do(harness.Request{Path: "/a/../../etc"})
		require.True(t, res.HostReply)
		require.Equal(t, 400, res.Reply.Status)
		res = h.Do(harness.Request{Path: "/files/my%20doc.pdf?x=1"})
		require.Equal(t, 200, res.Reply.Status, "a %%20 in the path is no malformed path")
		require.Equal(t, "/files/my%20doc.pdf?x=1", res.Forwarded.Path)
		res = h.Do(harness.Request{Path: "/%61dmin//x"})
		require.Equal(t, "/admin/x", res.Forwarded.Path, "nginx forwards its own normalized URI")
	})
}

// TestNginxProfile_LocalReplyNewline: ngx_wasm_module appends a newline to a local reply body.
func TestNginxProfile_LocalReplyNewline(t *testing.T) {
	withMisbehaving(t, `{"apiVersion":"wasmward/v1","plugin":"misbehaving","host":{"kind":"nginx"},"spec":{"refuse":true}}`,
		harness.Options{Profile: harness.Nginx}, func(h *harness.Host) {
			require.Equal(t, "policy unavailable\n\n", h.Do(harness.Request{}).Reply.Body)
		})
}

// TestNginxProfile_ConfigArgumentLimit: nginx refuses a directive argument over 4,096 bytes
// ("too long parameter"); longer configs go through an environment variable (env:NAME).
func TestNginxProfile_ConfigArgumentLimit(t *testing.T) {
	long := `{"apiVersion":"wasmward/v1","plugin":"misbehaving","host":{"kind":"nginx"},"spec":{"startProperty":"` +
		strings.Repeat("x", 4100) + `"}}`
	_, err := harness.NewHost(harness.Strict, misbehaving, []byte(long), harness.Options{Profile: harness.Nginx,
		WasmPath: filepath.Join(harness.RepoRoot(), "dist", "test", "misbehaving.wasm")})
	require.True(t, errors.Is(err, harness.ErrConfigTooLong), "got %v", err)

	withMisbehaving(t, `env:MISBEHAVING_CONFIG`, harness.Options{Profile: harness.Nginx,
		Env: map[string]string{"MISBEHAVING_CONFIG": long}}, func(h *harness.Host) {
		require.True(t, bool(h.Status), "%v", h.CriticalLogs())
		require.Equal(t, 200, h.Do(harness.Request{}).Reply.Status)
		require.Empty(t, h.StrictStats().Violations)
	})
}

// TestNginxProfile_IdentityPropertyRefused: ngx_wasm_module answers "not found" to a set and a
// get of wasmward.identity (not ngx.*, not wasmx.*, not in its property table:
// ngx_proxy_wasm_properties.c, 3bed2783), so no filter can hand another one the identity by
// property there. The glue believing it runs in Envoy calls both and gets nothing: the producer
// warns, and a consumer sees no identity even when an earlier filter handed one off. With the
// handoff key, a handed-off identity arrives as the signed header, the way nginx carries it.
func TestNginxProfile_IdentityPropertyRefused(t *testing.T) {
	opts := harness.Options{Profile: harness.Nginx, WasmPath: filepath.Join(harness.RepoRoot(), "dist", "test", "probe.wasm"), FreshVM: true}
	start := func(t *testing.T, role string, opts harness.Options) *harness.Host {
		cfg := `{"apiVersion":"wasmward/v1","plugin":"probe","host":{"kind":"envoy"},"spec":{"role":"` + role + `"}}`
		h, err := harness.NewHost(harness.Strict, probe.Definition, []byte(cfg), opts)
		if err != nil {
			harness.FailOrSkipMissing(t, err)
		}
		t.Cleanup(h.Close)
		return h
	}
	handedOff := map[string]string{identity.PropertyName: `{"sub":"carol","iss":"https://idp.example"}`}
	subject := func(h *harness.Host, req harness.Request) string {
		v, _ := h.Do(req).Forwarded.Header("x-probe-subject")
		return v
	}

	t.Run("producer", func(t *testing.T) {
		h := start(t, "producer", opts)
		require.Equal(t, 200, h.Do(harness.Request{Headers: [][2]string{{"x-probe", "identity"}}}).Reply.Status)
		require.Equal(t, 1, h.StrictStats().Calls["proxy_on_request_headers"]["proxy_set_property"], "the glue tried")
		require.Contains(t, strings.Join(h.Logs(), "\n"), "this host rejects the identity property")
	})
	t.Run("consumer", func(t *testing.T) {
		h := start(t, "consumer", opts)
		require.Equal(t, "none", subject(h, harness.Request{Properties: handedOff}))
		require.Positive(t, h.StrictStats().Calls["proxy_on_request_headers"]["proxy_get_property"])
	})
	t.Run("consumer with the handoff key", func(t *testing.T) {
		keyed := opts
		keyed.Env = map[string]string{identity.KeyEnv: strings.Repeat("k", 32)}
		h := start(t, "consumer", keyed)
		require.Equal(t, "carol", subject(h, harness.Request{Properties: handedOff}), "by signed header")
		require.Equal(t, "none", subject(h, harness.Request{}))
	})
	t.Run("envoy profile control", func(t *testing.T) {
		envoy := opts
		envoy.Profile = harness.OldEnvoy
		h := start(t, "consumer", envoy)
		require.Equal(t, "carol", subject(h, harness.Request{Properties: handedOff}), "by property")
	})
}

// TestNginxProfile_SharedDataKeyedByCRC32: ngx_wasm_module's shm_kv finds a key by its CRC-32
// alone, so two keys with the same CRC-32 are one entry (e2e/nginx TestShmKVKeysByCRC32 shows it
// in the real host). The probe bumps a counter at each key: in the nginx profile the second key
// continues the first one's count, in Envoy's (a plain map) it starts its own.
func TestNginxProfile_SharedDataKeyedByCRC32(t *testing.T) {
	a, b := harness.CRC32Twins("probe.twin.")
	require.NotEqual(t, a, b)
	cfg := `{"apiVersion":"wasmward/v1","plugin":"probe","host":{"kind":"nginx","sharedData":true},"spec":{}}`
	bump := func(h *harness.Host, key string) string {
		v, _ := h.Do(harness.Request{Headers: [][2]string{{"x-probe", "shared"}, {"x-probe-key", key}}}).Forwarded.Header("x-probe-shared")
		return v
	}
	for _, tc := range []struct {
		profile harness.HostProfile
		second  string
	}{{harness.Nginx, "3"}, {harness.OldEnvoy, "1"}} {
		t.Run(tc.profile.Name, func(t *testing.T) {
			opts := harness.Options{Profile: tc.profile, WasmPath: filepath.Join(harness.RepoRoot(), "dist", "test", "probe.wasm"), FreshVM: true}
			h, err := harness.NewHost(harness.Strict, probe.Definition, []byte(cfg), opts)
			if err != nil {
				harness.FailOrSkipMissing(t, err)
			}
			defer h.Close()
			require.Equal(t, "1", bump(h, a))
			require.Equal(t, "2", bump(h, a))
			require.Equal(t, tc.second, bump(h, b), "%q after two bumps of %q", b, a)
		})
	}
}

// TestNginxProfile_SharedDataCASZeroCreateOnly: on ngx_wasm_module a shared-data write with cas 0
// creates a missing key and is refused (cas mismatch) on an existing one, which keeps its value
// (e2e/nginx TestShmKVCASZeroOnExistingKey measures it in the real host). Envoy writes such a
// write unconditionally (policy.SharedStore); nothing of wasmward writes cas 0 but to create.
func TestNginxProfile_SharedDataCASZeroCreateOnly(t *testing.T) {
	cfg := `{"apiVersion":"wasmward/v1","plugin":"probe","host":{"kind":"nginx","sharedData":true},"spec":{}}`
	opts := harness.Options{Profile: harness.Nginx, WasmPath: filepath.Join(harness.RepoRoot(), "dist", "test", "probe.wasm"), FreshVM: true}
	h, err := harness.NewHost(harness.Strict, probe.Definition, []byte(cfg), opts)
	if err != nil {
		harness.FailOrSkipMissing(t, err)
	}
	defer h.Close()
	shared := func(mode, key string) string {
		v, _ := h.Do(harness.Request{Headers: [][2]string{{"x-probe", mode}, {"x-probe-key", key}}}).Forwarded.Header("x-probe-shared")
		return v
	}
	require.Equal(t, []string{"ok:cas0", "1", "cas_mismatch:1"},
		[]string{shared("shared-cas0", "probe.new"), shared("shared", "probe.counter"), shared("shared-cas0", "probe.counter")})
}

// TestRequestHeadersInResponse: Envoy lets go of the request's headers once on_request_headers
// lets the request go on, so a read of them in a response callback finds none there
// (HostProfile.RequestHeadersGoneInResponse); ngx_wasm_module still answers them
// (TestHeaderFreeBanOnNginx, on the real host). The glue keeps a status-only response phase
// header-free only where they can be read then (policy.Capabilities.RequestHeadersInResponse).
func TestRequestHeadersInResponse(t *testing.T) {
	for _, c := range []struct {
		config  string
		profile harness.HostProfile
		want    string
	}{
		{envoyBelief, harness.OldEnvoy, "misbehaving: 0 request headers in the response phase"},
		{nginxConfig, harness.Nginx, "misbehaving: 6 request headers in the response phase"},
	} {
		t.Run(c.profile.Name, func(t *testing.T) {
			withMisbehaving(t, c.config, harness.Options{Profile: c.profile}, func(h *harness.Host) {
				require.Equal(t, 200, h.Do(misbehave("request-headers-in-response")).Reply.Status)
				require.Contains(t, strings.Join(h.Logs(), "\n"), c.want)
			})
		})
	}
}
