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
