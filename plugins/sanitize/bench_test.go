package sanitize_test

import (
	"os"
	"testing"

	"github.com/wasmward/wasmward/plugins/sanitize"
	"github.com/wasmward/wasmward/shared/harness"
)

// BenchmarkSanitize runs realistic traffic (a GET with a query and cookies, a JSON POST checked
// against a route schema, a form POST, an attack that is rejected) through the plugin with the
// full config, against passthrough, natively and in wasm:
//
//	make build && go test -run '^$' -bench BenchmarkSanitize -benchmem ./plugins/sanitize
func BenchmarkSanitize(b *testing.B) {
	cfg, err := os.ReadFile("testdata/valid/full.json")
	if err != nil {
		b.Fatal(err)
	}
	ua := [2]string{"user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}
	harness.Bench(b, sanitize.Definition, cfg,
		harness.Request{Path: "/api/people?name=O%27Brien&city=Dublin&page=2",
			Headers: [][2]string{ua, {"cookie", "sid=4f2a9c; theme=dark"}, {"referer", "https://example.com/search?q=select+your+plan"}}},
		harness.Request{Method: "POST", Path: "/api/users", Headers: [][2]string{ua, {"content-type", "application/json"}},
			Body: `{"name":"Siobhán O'Brien","age":41,"bio":"a < b, and I select your plan","tags":["news","irish"]}`},
		harness.Request{Method: "POST", Path: "/api/orders", Headers: [][2]string{ua, {"content-type", "application/x-www-form-urlencoded"}},
			Body: "item=TSHIRT-RED-M&qty=2&note=Tom+%26+Jerry%27s+gift"},
		harness.Request{Path: "/api/items?id=1%27%20OR%20%271%27%3D%271", Headers: [][2]string{ua}},
	)
}

// BenchmarkSanitizeJSON is the JSON-body goal of issue 17 (≤ 3× passthrough's p50 in wasm mode):
// a realistic API body (testdata/bench/order.json: nested objects, an array, prose with
// punctuation, non-ASCII; make bench-nginx sends the same body) through the default config (no
// schema), against passthrough.
//
//	make build && go test -run '^$' -bench BenchmarkSanitizeJSON -benchmem ./plugins/sanitize
func BenchmarkSanitizeJSON(b *testing.B) {
	cfg := []byte(`{"apiVersion":"wasmward/v1","plugin":"sanitize","spec":{}}`)
	ua := [2]string{"user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}
	harness.Bench(b, sanitize.Definition, cfg,
		harness.Request{Method: "POST", Path: "/api/orders", Headers: [][2]string{ua, {"content-type", "application/json"}, {"accept", "application/json"}},
			Body: string(benchBody(b))},
	)
}

// benchBody is the JSON body of the benchmarks (testdata/bench/order.json).
func benchBody(b *testing.B) []byte {
	body, err := os.ReadFile("testdata/bench/order.json")
	if err != nil {
		b.Fatal(err)
	}
	return body
}
