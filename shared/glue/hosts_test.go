package glue_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/shared/harness"
)

// TestNginxHostGaps runs the probe in the strict host made to look like ngx_wasm_module, its
// config naming the host (host.kind; detection by probing is TestNginxProfile_HostDetectionIsQuiet
// in shared/harness): the glue says at start what it cannot enforce, never calls shared data unless the
// config declares an shm_kv zone (the calls trap in NginxNoSharedMemory), and enforces a
// response-phase deny without a local reply (which would hang the client there).
func TestNginxHostGaps(t *testing.T) {
	h := start(t, harness.Strict, probeConfig(`"host":{"kind":"nginx"},`, ""), harness.Options{Profile: harness.NginxNoSharedMemory})
	logs := strings.Join(h.Logs(), "\n")
	assert.Contains(t, logs, "started on nginx")
	assert.Contains(t, logs, "cannot fully enforce on nginx: response headers may already be sent")

	got, _ := h.Do(probeReq("shared")).Forwarded.Header("x-probe-shared")
	assert.Equal(t, "unsupported", got, "no shared data without host.sharedData")

	res := h.Do(harness.Request{Upstream: &harness.Reply{Status: 200, Headers: [][2]string{{"x-probe-resp", "deny"}, {"content-length", "6"}}, Body: "secret"}})
	assert.False(t, res.LocalReply)
	assert.Equal(t, 502, res.Reply.Status)
	assert.Equal(t, "response blocked\n", res.Reply.Body)
	_, hasLength := res.Reply.Header("content-length")
	assert.False(t, hasLength)

	res = h.Do(harness.Request{Upstream: &harness.Reply{Status: 200, Headers: [][2]string{{"x-probe-mask", "1"}}, Body: `{"card":"4111"}`}})
	assert.Equal(t, `{"masked":true}`, res.Reply.Body)

	stats := h.StrictStats()
	assert.Empty(t, stats.Traps)
	assert.Empty(t, stats.Violations)
}

// TestNginxSharedDataDeclared: with host.sharedData the glue uses shared data on nginx.
func TestNginxSharedDataDeclared(t *testing.T) {
	h := start(t, harness.Strict, probeConfig(`"host":{"kind":"nginx","sharedData":true},`, ""), harness.Options{Profile: harness.Nginx})
	got, _ := h.Do(probeReq("shared")).Forwarded.Header("x-probe-shared")
	assert.Equal(t, "1", got)
	require.Empty(t, h.StrictStats().Traps)
}

// TestEnvoyDetected: where plugin_vm_id answers, the host is Envoy and nothing is limited.
func TestEnvoyDetected(t *testing.T) {
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := start(t, mode, probeConfig("", ""))
		logs := strings.Join(h.Logs(), "\n")
		assert.Contains(t, logs, "started on envoy")
		assert.NotContains(t, logs, "cannot fully enforce")
	})
}

// TestNginxEditsOfRepeatedHeaders pins how the glue edits request headers on nginx, which
// counts the headers the host holds only when a decision edits one (sentCount): a header to
// remove or set that came more than once, in any case, is refused with 400; once, it is edited;
// absent, nothing is added. A plain allow edits nothing.
func TestNginxEditsOfRepeatedHeaders(t *testing.T) {
	h := start(t, harness.Strict, probeConfig(`"host":{"kind":"nginx","sharedData":true},`, ""), harness.Options{Profile: harness.Nginx})
	for _, tc := range []struct {
		name    string
		headers [][2]string
		status  int
	}{
		{"removed header sent twice", [][2]string{{"x-remove-me", "1"}, {"x-remove-me", "2"}}, 400},
		{"removed header sent twice, cases differ", [][2]string{{"X-Remove-Me", "1"}, {"x-remove-me", "2"}}, 400},
		{"set header sent twice", [][2]string{{"x-probe-set", "a"}, {"X-Probe-Set", "b"}}, 400},
		{"set header sent twice, once with a rune folding to s", [][2]string{{"x-probe-set", "a"}, {"x-probe-ſet", "b"}}, 400},
		{"set header sent once, other names repeated", [][2]string{{"x-probe-set", "a"}, {"accept", "1"}, {"Accept", "2"}}, 200},
		{"removed header sent once", [][2]string{{"x-remove-me", "1"}}, 200},
		{"edited headers absent", nil, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := h.Do(probeReq("mutate", tc.headers...))
			require.Equal(t, tc.status, res.Reply.Status)
			if tc.status == 200 {
				v, _ := res.Forwarded.Header("x-probe-set")
				assert.Equal(t, "yes", v)
				v, _ = res.Forwarded.Header("x-remove-me")
				assert.Empty(t, v)
			}
		})
	}
	res := h.Do(probeReq("", [2]string{"x-remove-me", "1"}, [2]string{"x-remove-me", "2"}))
	assert.Equal(t, 200, res.Reply.Status, "a plain allow edits nothing, repeated headers or not")
	assert.Empty(t, h.StrictStats().Traps)
}

// A response-phase removal of a header the response does not carry costs no host call; a
// header it carries, in any case, is removed.
func TestResponseRemovalOnlyWhenPresent(t *testing.T) {
	h := start(t, harness.Strict, probeConfig("", ""))
	removals := func(req harness.Request) (harness.Result, int) { // the VM's stats are shared
		before := h.StrictStats().Calls["proxy_on_response_headers"]["proxy_remove_header_map_value"]
		res := h.Do(req)
		return res, h.StrictStats().Calls["proxy_on_response_headers"]["proxy_remove_header_map_value"] - before
	}
	res, n := removals(harness.Request{Upstream: &harness.Reply{Status: 200}})
	assert.Equal(t, 200, res.Reply.Status)
	assert.Zero(t, n, "no server header: no call")
	res, n = removals(harness.Request{Upstream: &harness.Reply{Status: 200, Headers: [][2]string{{"Server", "gunicorn"}}}})
	_, has := res.Reply.Header("server")
	assert.False(t, has, "removed")
	assert.Equal(t, 1, n)
}
