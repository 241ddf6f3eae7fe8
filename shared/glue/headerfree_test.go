package glue_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/shared/harness"
)

// headerFreeConfig is the probe deciding on the source address alone (policy.HeaderFreeDecider).
func headerFreeConfig(extra string) []byte { return probeConfig(extra, `{"role":"headerfree"}`) }

func fromAddress(ip string, headers ...[2]string) harness.Request {
	return harness.Request{Source: ip + ":40000", Path: "/orders/7?q=1", Headers: headers}
}

// A header-free policy decides before the glue reads the request's headers: it sees none, nor
// the method or the path, and a plain allow reads none from the host at all. What comes after
// the decision still has them: the upstream gets the request as sent, a deny's audit line has
// the method, the path and the request id, and edits see the headers as the host holds them.
func TestHeaderFreeDecision(t *testing.T) {
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := start(t, mode, headerFreeConfig(""))
		res := h.Do(fromAddress("198.51.100.7", [2]string{"x-request-id", "r-1"}, [2]string{"accept", "*/*"}))
		require.Equal(t, 200, res.Reply.Status)
		saw, _ := res.Forwarded.Header("x-probe-saw")
		assert.Equal(t, "0  ", saw, "the policy decided without the headers, the method and the path")
		accept, _ := res.Forwarded.Header("accept")
		assert.Equal(t, "*/*", accept, "the request's headers still reach the upstream")

		res = h.Do(fromAddress("192.0.2.2", [2]string{"x-remove-me", "1"}))
		require.Equal(t, 200, res.Reply.Status)
		set, _ := res.Forwarded.Header("x-probe-set")
		assert.Equal(t, "yes", set)
		_, kept := res.Forwarded.Header("x-remove-me")
		assert.False(t, kept, "removed")

		res = h.Do(fromAddress("192.0.2.1", [2]string{"x-request-id", "r-2"}))
		require.Equal(t, 403, res.Reply.Status)
		lines := h.AuditLines()
		require.Len(t, lines, 1)
		var deny map[string]any
		require.NoError(t, json.Unmarshal([]byte(lines[0]), &deny))
		assert.Equal(t, "r-2", deny["requestId"], "the headers are read for the audit line")
		assert.Equal(t, "GET", deny["method"])
		assert.Equal(t, "/orders/7", deny["path"])
		assert.Empty(t, h.LateCounters())
	})
}

// On the strict host a header-free allow that edits nothing makes no header read at all.
func TestHeaderFreeHostCalls(t *testing.T) {
	reads := func(h *harness.Host, req harness.Request) (harness.Result, int) { // the VM's stats are shared
		before := h.StrictStats().Calls["proxy_on_request_headers"]["proxy_get_header_map_pairs"]
		res := h.Do(req)
		return res, h.StrictStats().Calls["proxy_on_request_headers"]["proxy_get_header_map_pairs"] - before
	}
	h := start(t, harness.Strict, headerFreeConfig(""))
	res, n := reads(h, fromAddress("192.0.2.3", [2]string{"accept", "*/*"}))
	assert.Equal(t, 200, res.Reply.Status)
	assert.Zero(t, n, "a header-free allow reads no header")
	res, n = reads(h, fromAddress("192.0.2.1"))
	assert.Equal(t, 403, res.Reply.Status)
	assert.Equal(t, 1, n, "a deny reads them once, for its audit line")
}

// On nginx, a header-free decision that edits a header the client sent twice is refused as any
// other (duplicate_header): the glue reads the headers before it applies the edits.
func TestHeaderFreeEditsOnNginx(t *testing.T) {
	ng := start(t, harness.Strict, headerFreeConfig(`"host":{"kind":"nginx"},`), harness.Options{Profile: harness.Nginx})
	res := ng.Do(fromAddress("192.0.2.2", [2]string{"x-remove-me", "1"}, [2]string{"X-Remove-Me", "2"}))
	assert.Equal(t, 400, res.Reply.Status, "a repeated header that must change is refused")
	res = ng.Do(fromAddress("192.0.2.2", [2]string{"x-remove-me", "1"}))
	require.Equal(t, 200, res.Reply.Status)
	v, _ := res.Forwarded.Header("x-remove-me")
	assert.Empty(t, v, "removed")
	res = ng.Do(fromAddress("192.0.2.3"))
	assert.Equal(t, 200, res.Reply.Status)
	assert.Empty(t, ng.StrictStats().Traps)
}
