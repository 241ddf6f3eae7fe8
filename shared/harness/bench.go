package harness

import (
	"slices"
	"testing"
	"time"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/metrics"
	"github.com/wasmward/wasmward/shared/policy"
)

// BaselineConfig is the passthrough config every benchmark compares against.
var BaselineConfig = []byte(`{"apiVersion":"wasmward/v1","plugin":"passthrough","spec":{}}`)

// Baseline is the benchmark baseline: a fixture standing for plugins/passthrough (all glue, no
// policy) without importing it, so that the harness depends on no plugin. Its name makes wasm
// mode load dist/passthrough.wasm, the real module; natively it is the same policy (an empty
// spec, every request allowed). plugins/passthrough tests that the two stay the same.
var Baseline = policy.Definition{Name: "passthrough", Parse: parseBaseline}

func parseBaseline(data []byte) (policy.Policy, error) {
	var spec struct{}
	if err := config.DecodeStrict(data, &spec); err != nil {
		return nil, err
	}
	return allowAll{}, nil
}

type allowAll struct{}

func (allowAll) OnRequest(*policy.Request) policy.Decision { return policy.Allowed() }

// HeapRequests is how many requests run before a benchmark reads the VM's heap.
const HeapRequests = 100_000

// Bench measures def (started with cfg) on the requests reqs (cycled) against the passthrough
// baseline, in the same process, with the same requests, in both modes (Baseline: dist/passthrough.wasm in wasm mode). Sub-benchmarks are
// "<mode>/baseline" and "<mode>/plugin"; each reports ns/op (one request through every phase),
// p50-ns and p99-ns, allocs/op (native: the whole request path), and in wasm mode heap-B: the
// guest's Go heap after HeapRequests more requests, in a VM of its own (each stream's context is
// deleted when it ends, as real hosts do: the heap holds what outlives streams, caches and
// tables, plus garbage not yet collected). tools/benchtable makes the `make bench` table from
// the output.
func Bench(b *testing.B, def policy.Definition, cfg []byte, reqs ...Request) {
	for _, mode := range Modes {
		for _, sub := range []struct {
			name string
			def  policy.Definition
			cfg  []byte
		}{{"baseline", Baseline, BaselineConfig}, {"plugin", def, cfg}} {
			b.Run(string(mode)+"/"+sub.name, func(b *testing.B) {
				h := MustStart(b, mode, sub.def, sub.cfg, Options{FreshVM: true})
				BenchHost(b, h, func(i int) Request { return reqs[i%len(reqs)] })
			})
		}
	}
}

// BenchHost runs b.N requests from next through h and reports latency percentiles and heap.
// Use it directly when requests must differ per iteration (distinct tokens, keys).
func BenchHost(b *testing.B, h *Host, next func(i int) Request) {
	b.ReportAllocs()
	samples := make([]time.Duration, 0, min(b.N, 1<<16))
	stride := max(1, b.N/(1<<16))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%stride == 0 {
			start := time.Now()
			h.Do(next(i))
			samples = append(samples, time.Since(start))
			continue
		}
		h.Do(next(i))
	}
	b.StopTimer()
	slices.Sort(samples)
	if n := len(samples); n > 0 {
		b.ReportMetric(float64(samples[n/2].Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(samples[n*99/100].Nanoseconds()), "p99-ns")
	}
	// Only on rounds long enough to matter, so b.N calibration does not repeat it many times.
	if h.Mode == Wasm && b.N >= HeapRequests/10 {
		for i := 0; i < HeapRequests; i++ {
			h.Do(next(b.N + i))
		}
		b.ReportMetric(float64(h.HeapBytes()), "heap-B")
	}
}

// HeapBytes is the plugin VM's Go heap as the glue last sampled it (metrics.HeapMetric): the
// guest's own heap in wasm mode (shared by every Host on the same VM unless Options.FreshVM),
// the whole test process's heap in native mode.
func (h *Host) HeapBytes() uint64 {
	v, _ := h.emu.GetGaugeMetric(metrics.Name(h.plugin, metrics.HeapMetric))
	return v
}

// GCCycles is the number of garbage collections the plugin VM completed, as the glue last
// sampled it (metrics.GCMetric): at start and every metrics.HeapSampleEvery streams.
func (h *Host) GCCycles() uint64 {
	v, _ := h.emu.GetGaugeMetric(metrics.Name(h.plugin, metrics.GCMetric))
	return v
}
