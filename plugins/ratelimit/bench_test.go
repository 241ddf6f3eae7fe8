package ratelimit_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/wasmward/wasmward/plugins/ratelimit"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/policytest"
)

// benchRequests are 64 clients, so buckets are spread over slots as in real traffic.
func benchRequests() []harness.Request {
	reqs := make([]harness.Request, 64)
	for i := range reqs {
		reqs[i] = harness.Request{Source: fmt.Sprintf("203.0.113.%d:443", i), Path: "/api/orders/7",
			Headers: [][2]string{{"x-tenant", fmt.Sprintf("t%d", i%8)}, {"user-agent", "bench"}}}
	}
	return reqs
}

// Buckets large enough that every request is granted: the cost measured is the decision path.
const oneLimit = `{"apiVersion": "wasmward/v1", "plugin": "ratelimit", "spec": {"limits": [
	{"id": "ip", "descriptor": [{"key": "remote_address", "type": "sourceIP"}], "bucket": {"capacity": 1000000000, "fillInterval": "1s", "tokensPerFill": 1000000}}]}}`

const threeLimits = `{"apiVersion": "wasmward/v1", "plugin": "ratelimit", "spec": {"limits": [
	{"id": "ip", "descriptor": [{"key": "remote_address", "type": "sourceIP"}], "bucket": {"capacity": 1000000000, "fillInterval": "1s", "tokensPerFill": 1000000}},
	{"id": "tenant-path", "descriptor": [{"key": "tenant", "type": "header", "header": "x-tenant"}, {"key": "path", "type": "path", "patterns": ["/api/orders/*"]}],
	 "bucket": {"capacity": 1000000000, "fillInterval": "1s", "tokensPerFill": 1000000}},
	{"id": "global", "descriptor": [{"key": "generic_key", "type": "literal", "value": "all"}], "bucket": {"capacity": 1000000000, "fillInterval": "1s", "tokensPerFill": 1000000}}]}}`

func BenchmarkOneLimit(b *testing.B) {
	harness.Bench(b, ratelimit.Definition, []byte(oneLimit), benchRequests()...)
}

func BenchmarkThreeLimits(b *testing.B) {
	harness.Bench(b, ratelimit.Definition, []byte(threeLimits), benchRequests()...)
}

// BenchmarkCASRetry is the core's cost per request without contention and when every request's
// first compare-and-swap loses to another worker's write (one retry: a second read and swap).
func BenchmarkCASRetry(b *testing.B) {
	spec := `{"limits": [{"id": "ip", "descriptor": [{"key": "remote_address", "type": "sourceIP"}],
		"bucket": {"capacity": 1000000000, "fillInterval": "1s", "tokensPerFill": 1000000}}]}`
	for _, conflict := range []bool{false, true} {
		name := "no-conflict"
		if conflict {
			name = "one-retry"
		}
		b.Run(name, func(b *testing.B) {
			host := policytest.NewHost()
			w := start(b, spec, host)
			r := req("203.0.113.1:1")
			if conflict {
				// Before each request's first swap, another worker rewrites the slot.
				armed := false
				host.Store.BeforeWrite = func(key string) {
					if !armed {
						return
					}
					armed = false
					v, cas, _ := host.Store.Get(key)
					_ = host.Store.CompareAndSwap(key, v, cas)
				}
				b.ResetTimer()
				for range b.N {
					armed = true
					if w.do(r).Verdict != policy.Allow {
						b.Fatal("denied")
					}
				}
				return
			}
			b.ResetTimer()
			for range b.N {
				if w.do(r).Verdict != policy.Allow {
					b.Fatal("denied")
				}
			}
		})
	}
}

// BenchmarkKeyCap sends a new client address on every request to a table of keys.max slots, so
// past the first 10000 requests every request evicts: heap-B is the VM heap at the key cap.
func BenchmarkKeyCap(b *testing.B) {
	cfg := `{"apiVersion": "wasmward/v1", "plugin": "ratelimit", "spec": {"limits": [
		{"id": "ip", "descriptor": [{"key": "remote_address", "type": "sourceIP"}], "bucket": {"capacity": 10, "fillInterval": "1s"}}],
		"keys": {"max": 10000, "atCap": "evictOldest"}}}`
	for _, mode := range harness.Modes {
		b.Run(string(mode), func(b *testing.B) {
			h := harness.MustStart(b, mode, ratelimit.Definition, []byte(cfg))
			harness.BenchHost(b, h, func(i int) harness.Request {
				return harness.Request{Source: fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255)}
			})
		})
	}
}

// BenchmarkOneBan is a ban check on every request (no ban is live: one read of the ban horizon
// instead of the key's 8 candidate slots, horizon.go) plus the response-phase count for 401s.
func BenchmarkOneBan(b *testing.B) {
	cfg := `{"apiVersion": "wasmward/v1", "plugin": "ratelimit", "spec": {"bans": [
		{"id": "auth", "descriptor": [{"key": "remote_address", "type": "sourceIP"}], "statuses": [401], "threshold": 1000000, "window": "1m", "duration": "1m"}]}}`
	harness.Bench(b, ratelimit.Definition, []byte(cfg), benchRequests()...)
}

// BenchmarkPerVMHeapAtKeyCap fills the per-VM tables (hosts without shared data) of a limit and
// a ban to keys.max = 10000 and reports the Go heap they hold (heap-B, after a GC).
func BenchmarkPerVMHeapAtKeyCap(b *testing.B) {
	spec := `{"limits": [{"id": "ip", "descriptor": [{"key": "ip", "type": "sourceIP"}], "bucket": {"capacity": 10, "fillInterval": "1s"}}],
		"bans": [{"id": "auth", "descriptor": [{"key": "ip", "type": "sourceIP"}], "statuses": [401], "threshold": 5, "window": "1m", "duration": "1m"}],
		"keys": {"max": 10000}}`
	var ms runtime.MemStats
	for range b.N {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.HeapAlloc
		host := policytest.NewHost()
		host.NoShared = true
		w := start(b, spec, host)
		for i := range 30000 {
			r := req(fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255))
			w.do(r)
			w.respond(r, 401)
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapAlloc-before), "heap-B")
		runtime.KeepAlive(w)
	}
}
