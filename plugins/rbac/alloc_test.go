package rbac

import (
	"testing"

	"github.com/wasmward/wasmward/shared/policy"
)

// TestAllocationsDoNotGrowWithPolicySize: a request that walks every rule allocates the same in
// a 100-rule and a 400-rule policy, at most the evalCtx and the claims string: nothing per rule.
func TestAllocationsDoNotGrowWithPolicySize(t *testing.T) {
	req := rq{path: "/api/orders", source: "10.0.0.1:1", id: ident("u1", benchClaims),
		headers: [][2]string{{"x-forwarded-for", "203.0.113.7"}, {"x-tenant", "none"}, {"user-agent", "bench"}}}.build()
	allocs := func(n int) float64 {
		p := mustParse(t, policySpec(n, true))
		if d := p.OnRequest(req); d.Verdict != policy.Allow || d.Rule != "last" {
			t.Fatalf("%d rules: request not allowed by the last rule: %+v", n, d)
		}
		return testing.AllocsPerRun(200, func() { p.OnRequest(req) })
	}
	hundred, more := allocs(100), allocs(400)
	t.Logf("allocs per request: 100 rules %.0f, 400 rules %.0f", hundred, more)
	if more > hundred || hundred > 2 {
		t.Errorf("allocations grow with the policy: 100 rules %.0f, 400 rules %.0f (want ≤ 2)", hundred, more)
	}
}
