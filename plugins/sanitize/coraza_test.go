//go:build crs

package sanitize_test

// Side-by-side measurement against Coraza v3 running the OWASP Core Rule Set at paranoia level 1
// (native Go, the engine coraza-proxy-wasm embeds; tools/wafbench/engine runs it). Coraza and the
// CRS module are imported only here, behind the "crs" build tag, never into the plugin:
//
//	go test -tags crs -run TestCorazaSideBySide -v ./plugins/sanitize
//	go test -tags crs -run '^$' -bench BenchmarkCorpus -benchmem ./plugins/sanitize

import (
	"runtime"
	"testing"
	"time"

	"github.com/corazawaf/coraza/v3"

	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/tools/wafbench/corpus"
	"github.com/wasmward/wasmward/tools/wafbench/engine"
)

func newCoraza(tb testing.TB) coraza.WAF {
	tb.Helper()
	waf, err := engine.NewCoraza(1)
	if err != nil {
		tb.Fatal(err)
	}
	return waf
}

// corazaBlocked runs one request through Coraza's request phases (engine.CorazaBlocked).
func corazaBlocked(waf coraza.WAF, r corpusReq) bool {
	return engine.CorazaBlocked(waf, corpus.Request{Method: r.method, Target: r.uri, Headers: r.headers, Body: []byte(r.body)})
}

// heapAfter reports the live heap growth caused by build (what stays referenced).
func heapAfter(build func() any) (uint64, any) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc < before.HeapAlloc {
		return 0, v
	}
	return after.HeapAlloc - before.HeapAlloc, v
}

// perRequest measures mean time and allocated bytes per request over reqs.
func perRequest(reqs []corpusReq, blocked func(corpusReq) bool) (time.Duration, uint64) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for _, r := range reqs {
		blocked(r)
	}
	el := time.Since(start)
	runtime.ReadMemStats(&after)
	return el / time.Duration(len(reqs)), (after.TotalAlloc - before.TotalAlloc) / uint64(len(reqs))
}

func TestCorazaSideBySide(t *testing.T) {
	attacks, _ := loadAttacks(t)
	benign := benignRequests(t)
	// Cost is timed on every attack and a 1-in-10 benign sample (the full benign set takes
	// minutes through Coraza).
	var all []corpusReq
	for _, a := range attacks {
		all = append(all, a.req)
	}
	for i := 0; i < len(benign); i += 10 {
		all = append(all, benign[i])
	}

	sHeap, sp := heapAfter(func() any { return mustParse(t, `{}`) })
	p := sp.(policy.Policy)
	cHeap, cw := heapAfter(func() any { return newCoraza(t) })
	waf := cw.(coraza.WAF)

	sanitizeBlocked := func(r corpusReq) bool { return verdict(p, r) != "" }
	wafBlocked := func(r corpusReq) bool { return corazaBlocked(waf, r) }

	measure(attacks, benign, sanitizeBlocked).report(t, "sanitize/default")
	measure(attacks, benign, wafBlocked).report(t, "coraza+CRS PL1")

	sNs, sB := perRequest(all, sanitizeBlocked)
	cNs, cB := perRequest(all, wafBlocked)
	t.Logf("cost over %d requests: sanitize %v/req %d B/req, config heap %d B; coraza %v/req %d B/req, WAF heap %d B",
		len(all), sNs, sB, sHeap, cNs, cB, cHeap)
	t.Logf("ratios: coraza/sanitize time %.1fx, allocated bytes %.1fx, setup heap %.1fx",
		float64(cNs)/float64(sNs), float64(cB)/float64(sB), float64(cHeap)/float64(max(sHeap, 1)))
}

// BenchmarkCorpus runs the same mixed corpus (every CRS attack test, then benign requests)
// through both engines: ns/op is per request, B/op and allocs/op per request, setup-heap-B the
// live heap of the compiled config or WAF.
func BenchmarkCorpus(b *testing.B) {
	attacks, _ := loadAttacks(b)
	benign := benignRequests(b)
	var reqs []corpusReq
	for _, a := range attacks {
		reqs = append(reqs, a.req)
	}
	for i := 0; i < len(benign); i += 50 { // a 1-in-50 sample keeps the mix about 50/50
		reqs = append(reqs, benign[i])
	}
	b.Run("sanitize", func(b *testing.B) {
		heap, v := heapAfter(func() any { return mustParse(b, `{}`) })
		p := v.(policy.Policy)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			verdict(p, reqs[i%len(reqs)])
		}
		b.ReportMetric(float64(heap), "setup-heap-B")
	})
	b.Run("coraza-crs-pl1", func(b *testing.B) {
		heap, v := heapAfter(func() any { return newCoraza(b) })
		waf := v.(coraza.WAF)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			corazaBlocked(waf, reqs[i%len(reqs)])
		}
		b.ReportMetric(float64(heap), "setup-heap-B")
	})
}
