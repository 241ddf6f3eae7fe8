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
