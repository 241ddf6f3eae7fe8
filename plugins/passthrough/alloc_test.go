package passthrough_test

import (
	"testing"

	"github.com/wasmward/wasmward/plugins/passthrough"
	"github.com/wasmward/wasmward/shared/harness"
)

// TestGuestAllocationsPerRequest pins what the glue allocates on a plain allowed request in Go
// on Wasm, where each allocation and the collections its bytes bring are a large part of the
// glue's cost (docs/performance.md, "Per-request glue work"): nothing of its own. The stream's
// handle is cut from a batch of 64 (shared/glue/streams.go), the host's copy of the request
// headers from a chunk the glue's allocator shares between requests (shared/glue/hostalloc.go: a
// chunk's allocation every few dozen requests), and the stream's context and its header lists
// are an ended stream's, reused. A change that allocates more per request fails here, not only
// in a benchmark nobody reads.
func TestGuestAllocationsPerRequest(t *testing.T) {
	req := harness.Request{Path: "/api/orders?id=7", Headers: [][2]string{{"authorization", "Bearer x"}, {"user-agent", "bench"}}}
	objects, bytes := harness.GuestAllocs(t, passthrough.Definition, harness.BaselineConfig, 4096,
		func(int) harness.Request { return req })
	t.Logf("guest allocations per request: %.2f objects, %.0f bytes", objects, bytes)
	if objects > 0.1 || bytes > 256 {
		t.Errorf("pass-through allocates %.2f objects, %.0f bytes per request in wasm; want at most 0.1 and 256", objects, bytes)
	}
}
