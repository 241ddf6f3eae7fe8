package sanitize

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/policy"
)

// TestCleanHeaders checks that a header value is remembered only when its inspection found
// nothing and decoded nothing inside it, per route, and that a remembered value decides a
// repeated request as the first inspection did.
func TestCleanHeaders(t *testing.T) {
	p, err := Parse([]byte(`{"routes":[{"id":"lenient","pathPrefix":"/lenient",
		"allow":[{"rule":"xss","location":"header.x-note"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	pol := p.(*Policy)
	ua := "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	nested := base64.StdEncoding.EncodeToString([]byte("hello there, a plain sentence"))
	for _, tc := range []struct {
		name, path, header, value string
		kept, denied              bool
	}{
		{"clean", "/", "user-agent", ua, true, false},
		{"attack", "/", "user-agent", "sqlmap/1.7", false, true},
		{"allowed on a route", "/lenient/x", "x-note", "<script>alert(1)</script>", true, false},
		{"not allowed on another", "/", "x-note", "<script>alert(1)</script>", false, true},
		{"decoded inside", "/", "x-data", nested, false, false},
		{"referer query", "/", "referer", "https://shop.example/search?q=1%20HAVING%205914%3D5914%20%23%20x", true, true},
		{"credential", "/", "x-session-token", "plain", false, false},
		{"long", "/", "x-long", strings.Repeat("a ", maxCleanValue), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := func() *policy.Request {
				return policy.NewRequest([][2]string{{":method", "GET"}, {":path", tc.path}, {tc.header, tc.value}}, nil, nil)
			}
			first := p.OnRequest(req())
			r := pol.route(req())
			if got := pol.clean.has(r, "header."+tc.header, tc.value); got != tc.kept {
				t.Errorf("kept = %v, want %v", got, tc.kept)
			}
			second := p.OnRequest(req())
			if denied := first.Verdict == policy.Deny; denied != tc.denied || (second.Verdict == policy.Deny) != denied || first.Reason != second.Reason {
				t.Errorf("decisions %v %q then %v %q, want denied %v both times", first.Verdict, first.Reason, second.Verdict, second.Reason, tc.denied)
			}
		})
	}
}
