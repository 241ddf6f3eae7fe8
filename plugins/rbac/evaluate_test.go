package rbac

import (
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/policy"
)

// decisionCase: a spec, a request, and the decision's labels.
type decisionCase struct {
	name    string
	spec    string
	req     rq
	verdict policy.Verdict
	rule    string
	reason  string
	shadow  bool
	audit   bool
	details map[string]string
}

func runDecisionCases(t *testing.T, cases []decisionCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := mustParse(t, tc.spec).OnRequest(tc.req.build())
			if d.Verdict != tc.verdict || d.Rule != tc.rule || d.Reason != tc.reason || d.Shadow != tc.shadow || d.Audit != tc.audit {
				t.Errorf("got verdict=%v rule=%q reason=%q shadow=%v audit=%v, want %v %q %q %v %v",
					d.Verdict, d.Rule, d.Reason, d.Shadow, d.Audit, tc.verdict, tc.rule, tc.reason, tc.shadow, tc.audit)
			}
			if len(d.Details) != len(tc.details) {
				t.Errorf("details %v, want %v", d.Details, tc.details)
			}
			for k, v := range tc.details {
				if d.Details[k] != v {
					t.Errorf("details[%s] = %q, want %q", k, d.Details[k], v)
				}
			}
		})
	}
}

const (
	getAny   = `"principals":[{"any":true}],"permissions":[{"method":["GET"]}]`
	adminsPr = `"principals":[{"claim":{"path":"realm_access.roles","contains":"admin"}}],"permissions":[{"any":true}]`
)

func TestEvaluationOrder(t *testing.T) {
	admin := rq{id: ident("u1", keycloak)}
	runDecisionCases(t, []decisionCase{
		{name: "deny wins over an earlier allow",
			spec: `{"rules":[{"id":"a","action":"ALLOW",` + getAny + `},{"id":"d","action":"DENY",` + adminsPr + `}]}`,
			req:  admin, verdict: policy.Deny, rule: "d", reason: "denied"},
		{name: "first matching deny is reported",
			spec: `{"rules":[{"id":"d1","action":"DENY",` + getAny + `},{"id":"d2","action":"DENY",` + adminsPr + `}]}`,
			req:  admin, verdict: policy.Deny, rule: "d1", reason: "denied"},
		{name: "first matching allow is reported",
			spec: `{"rules":[{"id":"a1","action":"ALLOW",` + adminsPr + `},{"id":"a2","action":"ALLOW",` + getAny + `}]}`,
			req:  admin, verdict: policy.Allow, rule: "a1", reason: "allowed"},
		{name: "default is deny",
			spec: `{"rules":[{"id":"a","action":"ALLOW",` + adminsPr + `}]}`,
			req:  rq{}, verdict: policy.Deny, reason: "default_deny"},
		{name: "default allow when configured",
			spec: `{"defaultAction":"ALLOW","rules":[{"id":"d","action":"DENY",` + adminsPr + `}]}`,
			req:  rq{}, verdict: policy.Allow, reason: "default_allow"},
		{name: "shadow deny over an allow is advisory",
			spec: `{"rules":[{"id":"a","action":"ALLOW",` + getAny + `},{"id":"sd","action":"DENY","shadow":true,` + adminsPr + `}]}`,
			req:  admin, verdict: policy.Deny, rule: "sd", reason: "shadow_denied", shadow: true, details: map[string]string{"enforced_rule": "a"}},
		{name: "shadow deny over a default allow",
			spec: `{"defaultAction":"ALLOW","rules":[{"id":"sd","action":"DENY","shadow":true,` + adminsPr + `}]}`,
			req:  admin, verdict: policy.Deny, rule: "sd", reason: "shadow_denied", shadow: true, details: map[string]string{"enforced": "default_allow"}},
		{name: "shadow deny over a default deny changes nothing",
			spec: `{"rules":[{"id":"sd","action":"DENY","shadow":true,` + adminsPr + `}]}`,
			req:  admin, verdict: policy.Deny, reason: "default_deny"},
		{name: "shadow allow is recorded on a default deny",
			spec: `{"rules":[{"id":"sa","action":"ALLOW","shadow":true,` + adminsPr + `}]}`,
			req:  admin, verdict: policy.Deny, reason: "default_deny", details: map[string]string{"shadow_rule": "sa", "shadow_verdict": "allow"}},
		{name: "shadow allow never allows",
			spec: `{"rules":[{"id":"sa","action":"ALLOW","shadow":true,` + getAny + `}]}`,
			req:  rq{}, verdict: policy.Deny, reason: "default_deny", details: map[string]string{"shadow_rule": "sa", "shadow_verdict": "allow"}},
		{name: "enforced deny hides shadow rules",
			spec: `{"rules":[{"id":"sd","action":"DENY","shadow":true,` + getAny + `},{"id":"d","action":"DENY",` + adminsPr + `}]}`,
			req:  admin, verdict: policy.Deny, rule: "d", reason: "denied"},
		{name: "log rule records and does not decide",
			spec: `{"defaultAction":"ALLOW","rules":[{"id":"l","action":"LOG",` + adminsPr + `}]}`,
			req:  admin, verdict: policy.Allow, reason: "default_allow", audit: true, details: map[string]string{"log_rule": "l"}},
		{name: "log rule on a deny",
			spec: `{"rules":[{"id":"l","action":"LOG",` + getAny + `}]}`,
			req:  admin, verdict: policy.Deny, reason: "default_deny", audit: true, details: map[string]string{"log_rule": "l"}},
		{name: "log rule merges with shadow details",
			spec: `{"rules":[{"id":"a","action":"ALLOW",` + getAny + `},{"id":"sd","action":"DENY","shadow":true,` + adminsPr + `},{"id":"l","action":"LOG",` + getAny + `}]}`,
			req:  admin, verdict: policy.Deny, rule: "sd", reason: "shadow_denied", shadow: true, audit: true,
			details: map[string]string{"enforced_rule": "a", "log_rule": "l"}},
		{name: "log rule that does not match",
			spec: `{"rules":[{"id":"a","action":"ALLOW",` + getAny + `},{"id":"l","action":"LOG",` + adminsPr + `}]}`,
			req:  rq{}, verdict: policy.Allow, rule: "a", reason: "allowed"},
		{name: "conditions must all hold",
			spec: `{"rules":[{"id":"a","action":"ALLOW",` + getAny + `,"conditions":[{"remoteIp":["10.0.0.0/8"]},{"header":{"name":"x-env","exact":"prod"}}]}]}`,
			req:  rq{source: "10.0.0.1:1"}, verdict: policy.Deny, reason: "default_deny"},
		{name: "conditions all hold",
			spec: `{"rules":[{"id":"a","action":"ALLOW",` + getAny + `,"conditions":[{"remoteIp":["10.0.0.0/8"]},{"header":{"name":"x-env","exact":"prod"}}]}]}`,
			req:  rq{source: "10.0.0.1:1", headers: [][2]string{{"x-env", "prod"}}}, verdict: policy.Allow, rule: "a", reason: "allowed"},
	})
}

const rolesSpec = `"roles":{
 "reader":{"grantedBy":[{"claim":{"path":"realm_access.roles","contains":"user"}},{"scope":"orders:read"}],
           "permissions":[{"and":[{"method":["GET","HEAD"]},{"path":{"prefix":"/orders"}}]}]},
 "admin":{"grantedBy":[{"claim":{"path":"realm_access.roles","contains":"admin"}}],
          "permissions":[{"path":{"template":"/admin/**"}}]}}`

func TestRoles(t *testing.T) {
	spec := `{` + rolesSpec + `,"rules":[{"id":"staff","action":"ALLOW","roles":["reader","admin"]},
	 {"id":"mfa-admin","action":"DENY","principals":[{"role":"admin"}],"permissions":[{"path":{"prefix":"/admin/"}}],
	  "conditions":[{"not":{"stepUp":{"amr":["otp","hwk"]}}}]}]}`
	user := rq{id: ident("u2", `{"realm_access":{"roles":["user"]}}`)}
	admin := rq{id: ident("u1", keycloak), path: "/admin/users"}
	adminNoMFA := rq{id: ident("u1", `{"realm_access":{"roles":["admin"]},"amr":["pwd"]}`), path: "/admin/users"}
	scoped := rq{id: ident("svc", `{}`, "orders:read"), path: "/orders/1"}
	runDecisionCases(t, []decisionCase{
		{name: "role grants its operations", spec: spec, req: rq{id: user.id, path: "/orders/7"}, verdict: policy.Allow, rule: "staff", reason: "allowed"},
		{name: "role does not grant other operations", spec: spec, req: rq{id: user.id, method: "DELETE", path: "/orders/7"}, verdict: policy.Deny, reason: "default_deny"},
		{name: "role from a scope", spec: spec, req: scoped, verdict: policy.Allow, rule: "staff", reason: "allowed"},
		{name: "admin with step-up", spec: spec, req: admin, verdict: policy.Allow, rule: "staff", reason: "allowed"},
		{name: "admin without step-up is denied", spec: spec, req: adminNoMFA, verdict: policy.Deny, rule: "mfa-admin", reason: "denied"},
		{name: "admin role is not reader", spec: spec, req: rq{id: admin.id, path: "/orders/1", method: "GET"}, verdict: policy.Allow, rule: "staff", reason: "allowed"},
		{name: "no identity holds no role", spec: spec, req: rq{path: "/orders/1"}, verdict: policy.Deny, reason: "default_deny"},
	})
}

func TestDenyReply(t *testing.T) {
	d := mustParse(t, `{"deny":{"body":"{\"error\":\"forbidden\"}","contentType":"application/json"},"rules":[]}`).OnRequest(rq{}.build())
	if d.Verdict != policy.Deny || d.Reply.Status != 403 || string(d.Reply.Body) != `{"error":"forbidden"}` ||
		len(d.Reply.Headers) != 1 || d.Reply.Headers[0] != [2]string{"content-type", "application/json"} {
		t.Fatalf("deny reply %+v", d.Reply)
	}
	d = mustParse(t, `{"rules":[{"id":"secret-rule-name","action":"DENY",`+getAny+`}]}`).OnRequest(rq{id: ident("alice", keycloak)}.build())
	if string(d.Reply.Body) != defaultBody {
		t.Fatalf("default body %q", d.Reply.Body)
	}
	for _, leak := range []string{"secret-rule-name", "alice", "admin", "GET"} {
		if strings.Contains(string(d.Reply.Body), leak) {
			t.Errorf("deny body leaks %q", leak)
		}
	}
}

func TestClaimValuesNeverInDetails(t *testing.T) {
	spec := `{"rules":[{"id":"a","action":"ALLOW",` + getAny + `},{"id":"sd","action":"DENY","shadow":true,` + adminsPr + `},{"id":"l","action":"LOG",` + adminsPr + `}]}`
	d := mustParse(t, spec).OnRequest(rq{id: ident("alice@example.com", `{"realm_access":{"roles":["admin"]},"email":"alice@example.com","ssn":"123-45-6789"}`)}.build())
	for k, v := range d.Details {
		for _, secret := range []string{"alice", "admin", "123-45"} {
			if strings.Contains(k+"="+v, secret) {
				t.Errorf("details %s=%s carry a claim value", k, v)
			}
		}
	}
}
