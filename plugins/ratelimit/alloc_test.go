package ratelimit_test

import (
	"testing"

	"github.com/wasmward/wasmward/plugins/ratelimit"
	"github.com/wasmward/wasmward/shared/harness"
)

// TestGuestAllocationsPerRequest pins what a granted request allocates in Go on Wasm with one
// limit (the 64 clients of benchRequests): the odd slot key built again, and the glue's batches
// (measured 0.07; 1.1 while each stream's handle was an allocation of its own, 1.3 while the key
// cache was direct-mapped, see table.key). The host's copies of the headers, of the client's
// address and of each shared-data value read (two per request here) are cut from the glue's
// shared chunks (shared/glue/hostalloc.go; with the SDK's allocator, one object each: 6.36), and
// the address is a string over the host's copy (2.31 while each new address was copied). The
// glue reads shared data through its own import (getSharedData): through the SDK's
// GetSharedData, whose result pointers escape, it was 8.5.
func TestGuestAllocationsPerRequest(t *testing.T) {
	reqs := benchRequests()
	objects, bytes := harness.GuestAllocs(t, ratelimit.Definition, []byte(oneLimit), 4096,
		func(i int) harness.Request { return reqs[i%len(reqs)] })
	t.Logf("guest allocations per request: %.2f objects, %.0f bytes", objects, bytes)
	if objects > 0.5 {
		t.Errorf("ratelimit allocates %.2f objects per request in wasm; want at most 0.5", objects)
	}
}
