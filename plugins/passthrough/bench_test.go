package passthrough_test

import (
	"testing"

	"github.com/wasmward/wasmward/plugins/passthrough"
	"github.com/wasmward/wasmward/shared/harness"
)

func BenchmarkPassthrough(b *testing.B) {
	harness.Bench(b, passthrough.Definition, harness.BaselineConfig, harness.Request{
		Path: "/api/orders?id=7", Headers: [][2]string{{"authorization", "Bearer x"}, {"user-agent", "bench"}},
	})
}

// BenchmarkPassthroughAudited is pass-through writing an audit line for every allow
// (audit.allows): the audit line's cost over the baseline (docs/performance.md, "Audit lines").
func BenchmarkPassthroughAudited(b *testing.B) {
	harness.Bench(b, passthrough.Definition,
		[]byte(`{"apiVersion":"wasmward/v1","plugin":"passthrough","audit":{"allows":true},"spec":{}}`),
		harness.Request{Path: "/api/orders?id=7", Headers: [][2]string{{"authorization", "Bearer x"}, {"user-agent", "bench"}, {"x-request-id", "4f1c2d3e-1111-2222-3333-444455556666"}}})
}
