package rbac_test

import (
	"testing"

	"github.com/wasmward/wasmward/plugins/rbac"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/identity"
	"github.com/wasmward/wasmward/shared/policy"
)

// BenchmarkRBAC100 is a 100-rule policy's decision against passthrough, both modes. The request
// walks every rule (claims, roles, networks, templates, headers, time windows) and is allowed
// by the last one. Goal: ≤ 1.5× passthrough in wasm.
var benchRules = 100

func BenchmarkRBAC100(b *testing.B) {
	cfg := []byte(`{"apiVersion":"wasmward/v1","plugin":"rbac","spec":` + rbac.PolicySpec(benchRules) + `}`)
	id, err := identity.Marshal(&policy.Identity{Subject: "u1", Issuer: "https://idp.example", Claims: []byte(rbac.BenchClaims)})
	if err != nil {
		b.Fatal(err)
	}
	harness.Bench(b, rbac.Definition, cfg, harness.Request{
		Path: "/api/orders", Source: "10.0.0.1:4444",
		Headers:    [][2]string{{"x-forwarded-for", "203.0.113.7"}, {"x-tenant", "none"}, {"user-agent", "bench"}},
		Properties: map[string]string{identity.PropertyName: string(id)},
	})
}
