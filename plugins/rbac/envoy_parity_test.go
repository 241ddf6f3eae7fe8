package rbac

import (
	"testing"

	"github.com/wasmward/wasmward/shared/policy"
)

// TestEnvoyParity checks the behaviours of Envoy's rbac filter (envoy.filters.http.rbac,
// api v3) that this plugin reproduces. Envoy has one action per filter; its configurations map
// to ours as: action ALLOW + policies = ALLOW rules with defaultAction DENY; action DENY +
// policies = DENY rules with defaultAction ALLOW.
func TestEnvoyParity(t *testing.T) {
	// Envoy docs example: "service-admin" may do anything, "product-viewer" may GET /products.
	allowSpec := `{"rules":[
	 {"id":"service-admin","action":"ALLOW","principals":[{"authenticated":{"subject":{"exact":"cluster.local/ns/default/sa/admin"}}},{"authenticated":{"subject":{"exact":"cluster.local/ns/default/sa/superuser"}}}],"permissions":[{"any":true}]},
	 {"id":"product-viewer","action":"ALLOW","principals":[{"any":true}],"permissions":[{"and":[{"method":["GET"]},{"path":{"prefix":"/products"}},{"or":[{"port":[80]},{"port":[443]}]}]}]}]}`
	denySpec := `{"defaultAction":"ALLOW","rules":[
	 {"id":"block-internal","action":"DENY","principals":[{"not":{"directRemoteIp":["10.0.0.0/8"]}}],"permissions":[{"path":{"prefix":"/internal"}}]}]}`
	adminID := &policy.Identity{Subject: "cluster.local/ns/default/sa/admin"}
	runDecisionCases(t, []decisionCase{
		{name: "ALLOW action: principal matches any permission", spec: allowSpec, req: rq{method: "DELETE", path: "/x", id: adminID}, verdict: policy.Allow, rule: "service-admin", reason: "allowed"},
		{name: "ALLOW action: permissions are ORed, and_rules ANDed", spec: allowSpec, req: rq{path: "/products/1"}, verdict: policy.Allow, rule: "product-viewer", reason: "allowed"},
		{name: "ALLOW action: no policy matches means deny", spec: allowSpec, req: rq{method: "POST", path: "/products/1"}, verdict: policy.Deny, reason: "default_deny"},
		{name: "ALLOW action: destination port checked", spec: allowSpec, req: rq{path: "/products", authority: "shop:443", port: 8080}, verdict: policy.Deny, reason: "default_deny"},
		{name: "url_path ignores the query string", spec: allowSpec, req: rq{path: "/products?x=/admin"}, verdict: policy.Allow, rule: "product-viewer", reason: "allowed"},
		{name: "DENY action: matching request denied", spec: denySpec, req: rq{path: "/internal/a", source: "203.0.113.9:1"}, verdict: policy.Deny, rule: "block-internal", reason: "denied"},
		{name: "DENY action: not_id excludes internal callers", spec: denySpec, req: rq{path: "/internal/a", source: "10.1.1.1:1"}, verdict: policy.Allow, reason: "default_allow"},
		{name: "DENY action: other requests allowed", spec: denySpec, req: rq{path: "/public", source: "203.0.113.9:1"}, verdict: policy.Allow, reason: "default_allow"},
		{name: "ALLOW with no policies denies everything", spec: `{"rules":[]}`, req: rq{}, verdict: policy.Deny, reason: "default_deny"},
		{name: "DENY with no policies allows everything", spec: `{"defaultAction":"ALLOW","rules":[]}`, req: rq{}, verdict: policy.Allow, reason: "default_allow"},
		{name: "shadow rules are reported, not enforced", spec: `{"defaultAction":"ALLOW","rules":[{"id":"s","action":"DENY","shadow":true,"principals":[{"any":true}],"permissions":[{"any":true}]}]}`,
			req: rq{}, verdict: policy.Deny, rule: "s", reason: "shadow_denied", shadow: true, details: map[string]string{"enforced": "default_allow"}},
		{name: "header matcher sees repeated headers joined by comma", spec: `{"defaultAction":"ALLOW","rules":[{"id":"h","action":"DENY","principals":[{"header":{"name":"x-role","contains":"guest"}}],"permissions":[{"any":true}]}]}`,
			req: rq{headers: [][2]string{{"x-role", "admin"}, {"x-role", "guest"}}}, verdict: policy.Deny, rule: "h", reason: "denied"},
		{name: "remote_ip uses XFF with trusted hops, direct_remote_ip does not", spec: `{"rules":[{"id":"r","action":"ALLOW","principals":[{"and":[{"remoteIp":["198.51.100.0/24"]},{"directRemoteIp":["10.0.0.0/8"]}]}],"permissions":[{"any":true}]}],"trustedProxyHops":1,"trustedProxies":["10.0.0.0/8"]}`,
			req: rq{source: "10.0.0.2:1", headers: [][2]string{{"x-forwarded-for", "198.51.100.4"}}}, verdict: policy.Allow, rule: "r", reason: "allowed"},
		{name: "authenticated without identity never matches", spec: allowSpec, req: rq{method: "DELETE"}, verdict: policy.Deny, reason: "default_deny"},
	})
}
