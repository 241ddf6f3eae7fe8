package mask_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/plugins/mask"
	"github.com/wasmward/wasmward/plugins/passthrough"
	"github.com/wasmward/wasmward/shared/harness"
)

// benchConfig masks by path and by every detector, as a realistic response policy would.
var benchConfig = cfg(`{"rules":[
	{"id":"secrets","paths":["items.#.password"],"action":"drop"},
	{"id":"cards","detectors":["card"],"action":"partial"},
	{"id":"contact","detectors":["email","phone","iban"]}
],"response":{"maxBodyBytes":4194304}}`)

// jsonBody builds a JSON array document of about size bytes: records with names, emails, card
// numbers, phone numbers, free text and numbers, as an API listing would return.
func jsonBody(size int) string {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < size-200; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"Customer %d","email":"user%d@example.com","card":"4111 1111 1111 1111",`+
			`"phone":"+1 415 555 %04d","password":"pw-%d","note":"ordered 3 items on 2026-01-01, ref %d","total":%d.50,"active":true}`,
			i, i, i, i%10000, i, 1000000+i, i%997)
	}
	b.WriteString(`]}`)
	return b.String()
}

// BenchmarkMaskResponse measures one request whose JSON response (10 KiB, 1 MiB) is masked,
// against passthrough with the same response, in native and wasm mode. MB/s is response bytes
// per second.
func BenchmarkMaskResponse(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"10KiB", 10 << 10}, {"1MiB", 1 << 20}} {
		body := jsonBody(size.n)
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
