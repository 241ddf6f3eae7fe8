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

// TestClaimBitsFollowTheClaims: the indexed bits are kept for the claims last checked; callers
// with other claims, interleaved, each get their own answer, and a request without claims none.
func TestClaimBitsFollowTheClaims(t *testing.T) {
	p := mustParse(t, `{"rules":[{"id":"r","action":"ALLOW","principals":[{"claim":{"path":"roles","contains":"reader"}}],"permissions":[{"any":true}]}]}`)
	reader, other := ident("a", `{"roles":["reader"]}`), ident("b", `{"roles":["writer"]}`)
	for i := 0; i < 3; i++ {
		for _, tc := range []struct {
			id   *policy.Identity
			want policy.Verdict
		}{{reader, policy.Allow}, {other, policy.Deny}, {nil, policy.Deny}, {reader, policy.Allow}} {
			if got := p.OnRequest(rq{path: "/x", id: tc.id}.build()).Verdict; got != tc.want {
				t.Fatalf("round %d, %v: %v, want %v", i, tc.id, got, tc.want)
			}
		}
	}
}
