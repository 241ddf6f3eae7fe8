package sanitize_test

import (
	"testing"

	"github.com/wasmward/wasmward/shared/policy"
)

// BenchmarkCore runs the policy core alone (no glue, no host) on the JSON request of
// BenchmarkSanitizeJSON and on a browser GET with typical headers: a quick native proxy for
// where the plugin's time goes (go test -bench BenchmarkCore -cpuprofile).
func BenchmarkCore(b *testing.B) {
	p := mustParse(b, `{}`).(interface {
		policy.Policy
		policy.RequestBodyPolicy
	})
	browser := [][2]string{
		{"user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
		{"accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
		{"accept-language", "en-US,en;q=0.5"}, {"accept-encoding", "gzip, deflate, br"},
		{"referer", "https://example.com/search?q=select+your+plan"},
		{"cookie", "sid=4f2a9c; theme=dark"}, {"upgrade-insecure-requests", "1"},
	}
	json := benchBody(b)
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			req := request("POST", "/api/orders", [2]string{"content-type", "application/json"}, browser[0])
			if d := p.OnRequest(req); d.Verdict == policy.Deny {
				b.Fatal(d.Reason)
			}
			req.Body = json
			if d := p.OnRequestBody(req); d.Verdict == policy.Deny {
				b.Fatal(d.Reason)
			}
		}
	})
	b.Run("get", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			req := request("GET", "/api/people?name=O%27Brien&city=Dublin&page=2", browser...)
			if d := p.OnRequest(req); d.Verdict == policy.Deny {
				b.Fatal(d.Reason)
			}
		}
	})
}
