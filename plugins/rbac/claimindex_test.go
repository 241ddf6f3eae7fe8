package rbac

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/policy"
)

// TestClaimIndexOverflowFallsBack: past maxIndexedPaths paths, claim matchers query gjson
// directly and decide exactly as indexed ones do.
func TestClaimIndexOverflowFallsBack(t *testing.T) {
	var rules []string
	for i := 0; i < maxIndexedPaths+2; i++ {
		rules = append(rules, fmt.Sprintf(`{"id":"r%d","action":"ALLOW","principals":[{"claim":{"path":"c%d","contains":"v"}}],"permissions":[{"path":{"exact":"/p%d"}}]}`, i, i, i))
	}
	p := mustParse(t, `{"rules":[`+strings.Join(rules, ",")+`]}`)
	if got := len(p.claimIndex.paths); got != maxIndexedPaths {
		t.Fatalf("indexed paths: %d", got)
	}
	for i := 0; i < maxIndexedPaths+2; i++ {
		for _, claims := range []string{fmt.Sprintf(`{"c%d":["v"]}`, i), fmt.Sprintf(`{"c%d":"v"}`, i)} {
			want := strings.Contains(claims, "[")
			d := p.OnRequest(rq{path: fmt.Sprintf("/p%d", i), id: ident("u", claims)}.build())
			if got := d.Verdict == policy.Allow; got != want {
				t.Errorf("rule %d, claims %s: allowed=%v, want %v", i, claims, got, want)
			}
		}
	}
}
