package mask_test

import (
	"testing"

	"github.com/wasmward/wasmward/plugins/mask"
	"github.com/wasmward/wasmward/plugins/passthrough"
	"github.com/wasmward/wasmward/shared/harness"
)

// benchConfig is the core benchmark's spec (BenchmarkRewrite) in an envelope.
var benchConfig = cfg(mask.BenchSpec)

// BenchmarkMaskResponse measures one request whose JSON response (10 KiB, 1 MiB) is masked,
// against passthrough with the same response, in native and wasm mode. MB/s is response bytes
// per second.
func BenchmarkMaskResponse(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"10KiB", 10 << 10}, {"1MiB", 1 << 20}} {
		body := mask.BenchBody(size.n)
		req := harness.Request{Path: "/api/customers", Upstream: jsonReply(body)}
		b.Run(size.name, func(b *testing.B) {
			for _, mode := range harness.Modes {
				for _, sub := range []struct {
					name string
					run  func(*testing.B, harness.Mode)
				}{
					{"baseline", func(b *testing.B, mode harness.Mode) {
						benchOne(b, harness.MustStart(b, mode, passthrough.Definition, harness.BaselineConfig), req, len(body))
					}},
					{"plugin", func(b *testing.B, mode harness.Mode) {
						benchOne(b, harness.MustStart(b, mode, mask.Definition, benchConfig), req, len(body))
					}},
				} {
					b.Run(string(mode)+"/"+sub.name, func(b *testing.B) { sub.run(b, mode) })
				}
			}
		})
	}
}

// benchOne runs req through h b.N times, reporting response bytes per second (b.SetBytes).
func benchOne(b *testing.B, h *harness.Host, req harness.Request, n int) {
	b.SetBytes(int64(n))
	b.ReportAllocs()
	if res := h.Do(req); res.Reply.Status != 200 {
		b.Fatalf("status %d", res.Reply.Status)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.Do(req)
	}
}

// BenchmarkMaskHeaders is the harness's standard comparison (p50/p99/heap) for a small JSON
// response, via harness.Bench.
func BenchmarkMaskHeaders(b *testing.B) {
	harness.Bench(b, mask.Definition, benchConfig, harness.Request{
		Path: "/api/profile", Headers: [][2]string{{"authorization", "Bearer x"}},
		Upstream: jsonReply(`{"name":"Alice","email":"alice@example.com","card":"4111111111111111"}`, [2]string{"server", "gunicorn"}),
	})
}
