package harness

import (
	"runtime"
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
// baseline, in the same process, with the same requests, in both modes (Baseline:
// dist/passthrough.wasm in wasm mode). Sub-benchmarks are "<mode>/baseline" and "<mode>/plugin";
// each reports ns/op (one request through every phase), p50-ns and p99-ns, allocs/op (native: the
// whole request path), and in wasm mode heap-B: the guest's Go heap after HeapRequests more
// requests, in a VM of its own (each stream's context is deleted when it ends, as real hosts do:
// the heap holds what outlives streams, caches and tables, plus garbage not yet collected).
//
// "<mode>/plugin" also reports base-p50-ns and base-p99-ns, the baseline's latency measured
// alongside the plugin's (benchPair): the ratio of its p50 to that one is what tools/benchtable
// reports, and what `make bench` prints.
func Bench(b *testing.B, def policy.Definition, cfg []byte, reqs ...Request) {
	next := func(i int) Request { return reqs[i%len(reqs)] }
	for _, mode := range Modes {
		b.Run(string(mode)+"/baseline", func(b *testing.B) {
			BenchHost(b, MustStart(b, mode, Baseline, BaselineConfig, Options{FreshVM: true}), next)
		})
		b.Run(string(mode)+"/plugin", func(b *testing.B) { benchPair(b, mode, def, cfg, next) })
	}
}

// pairBlocks is how many blocks of requests benchPair splits a run into, per role, with at least
// pairBlockMin requests each (fewer blocks for a short run: b.N's calibration rounds would
// otherwise start a host and warm it up per request), and pairWarmup how many requests each
// block's host serves before it is measured (Alternate). A hundred pairs make the median of their
// ratios (blockRatio) steady: pass-through against itself read 0.996-1.003 in six runs, against
// 0.90-1.20 with twenty.
const (
	pairBlocks   = 100
	pairBlockMin = 200
	pairWarmup   = 1000
)

// benchPair measures def against the baseline in alternating blocks of the same requests
// (Alternate), up to pairBlocks blocks each, and reports the median of the pairs' p50 ratios as
// block-ratio (blockRatio), where a baseline measured in a sub-benchmark of its own,
// before the plugin, differed from it by up to half (passthrough against itself read 0.71 and
// 1.50; bursts on this machine slow a block of a host by as much). Only the plugin's blocks
// count in ns/op and allocs/op; the baseline's latency is reported as base-p50-ns and
// base-p99-ns, and heap-B as BenchHost does, in a VM of its own.
func benchPair(b *testing.B, mode Mode, def policy.Definition, cfg []byte, next func(i int) Request) {
	b.ReportAllocs()
	start := func(role int) (*Host, error) {
		if role == 1 {
			return MustStart(b, mode, def, cfg), nil
		}
		return MustStart(b, mode, Baseline, BaselineConfig), nil
	}
	var samples [2][]time.Duration  // the baseline's, the plugin's
	var blockP50 [2][]time.Duration // each block's p50, by role, in block order
	b.ResetTimer()
	b.StopTimer()
	_ = Alternate(b.N, min(pairBlocks, b.N/pairBlockMin), start, next, func(role int, h *Host, first, last int) {
		if role == 1 {
			b.StartTimer()
		}
		from := len(samples[role])
		for i := first; i < last; i++ {
			t0 := time.Now()
			h.Do(next(i))
			samples[role] = append(samples[role], time.Since(t0))
		}
		b.StopTimer()
		blockP50[role] = append(blockP50[role], median(samples[role][from:]))
	})
	reportPercentiles(b, samples[1], "")
	reportPercentiles(b, samples[0], "base-")
	if r, ok := blockRatio(blockP50[1], blockP50[0]); ok {
		b.ReportMetric(r, "block-ratio")
	}
	if mode == Wasm && b.N >= HeapRequests/10 {
		h := MustStart(b, mode, def, cfg, Options{FreshVM: true})
		for i := range b.N { // as many requests before as BenchHost's host has served
			h.Do(next(i))
		}
		reportHeap(b, h, next, b.N)
		h.Close()
	}
}

// Alternate runs the indexes 0..n-1 through two roles (0 and 1: a baseline and what is measured
// against it) in blocks of about n/blocks, each block once per role, the roles' order alternating
// (0 then 1, then 1 then 0, ...): what is compared then runs side by side, so that a drift of the
// machine's speed during the run moves both alike. The emulator holds one host at a time, so each
// block of each role runs on a host of its own from start(role), which serves pairWarmup requests
// from next (a new plugin context fills its caches) before block(role, h, first, last) serves the
// indexes first..last-1, and is closed after. Before each block the test process's own garbage
// is collected (runtime.GC, native code: the guest's heap is its VM's): a collection of the
// emulator's heap on the other core during a block slowed that block, a cost of neither role.
// Hosts started on a module's shared VM (Options without FreshVM) keep it between blocks: before
// the first block, each role's VM is warmed up (warmUp). Alternate stops at the first error of
// start.
func Alternate(n, blocks int, start func(role int) (*Host, error), next func(i int) Request, block func(role int, h *Host, first, last int)) error {
	for role := range 2 {
		h, err := start(role)
		if err != nil {
			return err
		}
		warmUp(h, next)
		h.Close()
	}
	blocks = max(1, min(n, blocks))
	for k := range blocks {
		first, last := n*k/blocks, n*(k+1)/blocks
		for turn := range 2 {
			role := turn ^ k%2
			h, err := start(role)
			if err != nil {
				return err
			}
			for i := range pairWarmup {
				h.Do(next(i))
			}
			runtime.GC()
			block(role, h, first, last)
			h.Close()
		}
	}
	return nil
}

// warmUp runs requests from next through h until its VM has collected garbage twice (the glue
// samples the count every metrics.HeapSampleEvery streams), and at least pairWarmup of them: a
// new wasm VM grows its linear memory until then, and the emulator copies the memory at each
// growth, which a measurement should not see.
func warmUp(h *Host, next func(i int) Request) {
	gc := h.GCCycles()
	for i := 0; i < pairWarmup || h.GCCycles() < gc+2 && i < 100_000; i++ {
		h.Do(next(i))
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
	reportPercentiles(b, samples, "")
	// Only on rounds long enough to matter, so b.N calibration does not repeat it many times.
	if h.Mode == Wasm && b.N >= HeapRequests/10 {
		reportHeap(b, h, next, b.N)
	}
}

// blockRatio is the median, over the blocks of a pair of runs (Alternate), of the plugin
// block's p50 over the baseline block's p50 run next to it. A burst of the machine's other load,
// or a collection of the test process's own heap on the other core, slows a whole block (its
// requests take a few milliseconds): pooled, a few such blocks of one role moved the ratio of the
// two roles' p50s by up to a quarter (pass-through against itself read 0.77 to 1.05 in four runs
// on 2026-12-06); the median of the pairs' ratios drops them. false without a pair.
func blockRatio(plugin, baseline []time.Duration) (float64, bool) {
	ratios := make([]float64, 0, len(plugin))
	for k := range min(len(plugin), len(baseline)) {
		if baseline[k] > 0 {
			ratios = append(ratios, float64(plugin[k])/float64(baseline[k]))
		}
	}
	if len(ratios) == 0 {
		return 0, false
	}
	return median(ratios), true
}

// median is the median of xs (sorted in place): the middle value, or the mean of the two middle
// ones; zero for none.
func median[T time.Duration | float64](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// reportPercentiles reports the p50 and p99 of samples as <prefix>p50-ns and <prefix>p99-ns.
func reportPercentiles(b *testing.B, samples []time.Duration, prefix string) {
	slices.Sort(samples)
	if n := len(samples); n > 0 {
		b.ReportMetric(float64(samples[n/2].Nanoseconds()), prefix+"p50-ns")
		b.ReportMetric(float64(samples[n*99/100].Nanoseconds()), prefix+"p99-ns")
	}
}

// reportHeap runs HeapRequests more requests (from next(from) on) through h and reports the VM's
// Go heap as heap-B.
func reportHeap(b *testing.B, h *Host, next func(i int) Request, from int) {
	before := h.allocSample(from)
	for i := range HeapRequests {
		h.Do(next(from + i))
	}
	b.ReportMetric(float64(h.HeapBytes()), "heap-B")
	if objects, bytes, ok := before.perRequest(h.allocSample(from + HeapRequests)); ok {
		b.ReportMetric(objects, "guest-allocs/req")
		b.ReportMetric(bytes, "guest-B/req")
	}
}

// GuestAllocs is what the guest's Go code allocates per request, objects and bytes, over n
// requests from next (n rounded down to a multiple of metrics.HeapSampleEvery, at least one),
// in a wasm-mode host of def started with cfg in a VM of its own (as the glue counts them:
// metrics.AllocsMetric).
func GuestAllocs(t testing.TB, def policy.Definition, cfg []byte, n int, next func(i int) Request) (objects, bytes float64) {
	t.Helper()
	h := MustStart(t, Wasm, def, cfg, Options{FreshVM: true})
	defer h.Close()
	warm := metrics.HeapSampleEvery // the VM's first allocations (tables, caches) are not a request's
	for i := range warm {
		h.Do(next(i))
	}
	n = max(n, metrics.HeapSampleEvery)
	before := h.allocSample(warm)
	for i := range n {
		h.Do(next(warm + i))
	}
	objects, bytes, _ = before.perRequest(h.allocSample(warm + n))
	return objects, bytes
}

// allocSample is a VM's allocation counters as the glue last counted them, and how many streams
// it had ended then.
type allocSample struct {
	objects, bytes uint64
	streams        int
}

// allocSample reads h's counters after it ended streams streams (its VM's only host: FreshVM).
// The glue counts every metrics.HeapSampleEvery streams, so the counters are those of the last
// multiple of it.
func (h *Host) allocSample(streams int) allocSample {
	objects, bytes := h.HeapAllocs()
	return allocSample{objects, bytes, streams / metrics.HeapSampleEvery * metrics.HeapSampleEvery}
}

// perRequest is the allocations per stream between s and later; false when the glue counted
// none in between.
func (s allocSample) perRequest(later allocSample) (objects, bytes float64, ok bool) {
	n := float64(later.streams - s.streams)
	if n <= 0 {
		return 0, 0, false
	}
	return float64(later.objects-s.objects) / n, float64(later.bytes-s.bytes) / n, true
}

// HeapBytes is the plugin VM's Go heap as the glue last sampled it (metrics.HeapMetric): the
// guest's own heap in wasm mode (shared by every Host on the same VM unless Options.FreshVM),
// the whole test process's heap in native mode.
func (h *Host) HeapBytes() uint64 {
	v, _ := h.emu.GetGaugeMetric(metrics.Name(h.plugin, metrics.HeapMetric))
	return v
}

// HeapAllocs is how many heap objects, and bytes, the plugin VM's Go code allocated since it
// started, as the glue last counted them (metrics.AllocsMetric, metrics.AllocBytesMetric: at
// start and every metrics.HeapSampleEvery streams).
func (h *Host) HeapAllocs() (objects, bytes uint64) {
	objects, _ = h.emu.GetCounterMetric(metrics.Name(h.plugin, metrics.AllocsMetric))
	bytes, _ = h.emu.GetCounterMetric(metrics.Name(h.plugin, metrics.AllocBytesMetric))
	return objects, bytes
}

// GCCycles is the number of garbage collections the plugin VM completed, as the glue last
// sampled it (metrics.GCMetric): at start and every metrics.HeapSampleEvery streams.
func (h *Host) GCCycles() uint64 {
	v, _ := h.emu.GetGaugeMetric(metrics.Name(h.plugin, metrics.GCMetric))
	return v
}
