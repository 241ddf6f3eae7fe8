package rbac_test

import (
	"testing"

	"github.com/wasmward/wasmward/plugins/rbac"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/identity"
	"github.com/wasmward/wasmward/shared/policy"
)

// benchPolicy benchmarks an n-rule generated policy (see rbac.PolicySpec) against passthrough,
// in both modes. The request is allowed by the last rule and matches none before it; with the
// rule index (ruleindex.go) it is evaluated only against the rules its first segment ("api") and
// host (example.com) can match: the last one (the generated tenant rules pin hosts under
// ".svc-<i>.example"; before the host index, the request walked those 25 rules too). With
// authenticated, it carries an identity handed off as the host property, which the glue reads and
// decodes for the plugin (passthrough never reads it).
func benchPolicy(b *testing.B, n int, authenticated bool) {
	cfg := []byte(`{"apiVersion":"wasmward/v1","plugin":"rbac","spec":` + rbac.PolicySpec(n, authenticated) + `}`)
	req := harness.Request{
		Path: "/api/orders", Source: "10.0.0.1:4444",
		Headers: [][2]string{{"x-forwarded-for", "203.0.113.7"}, {"x-tenant", "none"}, {"user-agent", "bench"}},
	}
	if authenticated {
		id, err := identity.Marshal(&policy.Identity{Subject: "u1", Issuer: "https://idp.example", Claims: []byte(rbac.BenchClaims)})
		if err != nil {
			b.Fatal(err)
		}
		req.Properties = map[string]string{identity.PropertyName: string(id)}
	}
	harness.Bench(b, rbac.Definition, cfg, req)
}

// BenchmarkRBAC100 is the benchmark: a 100-rule policy on an authenticated caller
// (claims, roles, networks, templates, headers, time windows). Goal: ≤ 1.5× passthrough in wasm.
func BenchmarkRBAC100(b *testing.B) { benchPolicy(b, 100, true) }

// BenchmarkRBAC1 is one rule on the same authenticated request: the fixed cost, mostly the
// identity handoff, that BenchmarkRBAC100 pays whatever the policy size.
func BenchmarkRBAC1(b *testing.B) { benchPolicy(b, 1, true) }

// BenchmarkRBAC100Anonymous is the 100-rule policy without identity: rule evaluation alone.
func BenchmarkRBAC100Anonymous(b *testing.B) { benchPolicy(b, 100, false) }
