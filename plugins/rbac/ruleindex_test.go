package rbac

import (
	"reflect"
	"testing"
)

// fullScan returns a copy of p that walks every rule (no first-segment index).
func fullScan(p *Policy) *Policy {
	q := *p
	for _, l := range []*ruleList{&q.deny, &q.allow, &q.log} {
		l.bySeg, l.other = nil, nil
	}
	return &q
}

func TestFirstSegments(t *testing.T) {
	for _, tc := range []struct {
		perm string
		want []string // nil: unconstrained
	}{
		{`{"path":{"exact":"/api/orders"}}`, []string{"api"}},
		{`{"path":{"exact":"/healthz"}}`, []string{"healthz"}},
		{`{"path":{"exact":"/"}}`, []string{""}},
		{`{"path":{"prefix":"/api/"}}`, []string{"api"}},
		{`{"path":{"prefix":"/api"}}`, nil},
		{`{"path":{"prefix":"/api/","ignoreCase":true}}`, nil},
		{`{"path":{"template":"/users/*/orders"}}`, []string{"users"}},
		{`{"path":{"template":"/*/orders"}}`, nil},
		{`{"path":{"regex":"/api/.*"}}`, nil},
		{`{"and":[{"method":["GET"]},{"path":{"prefix":"/a/"}}]}`, []string{"a"}},
		{`{"or":[{"path":{"prefix":"/a/"}},{"path":{"exact":"/b"}}]}`, []string{"a", "b"}},
		{`{"or":[{"path":{"prefix":"/a/"}},{"method":["GET"]}]}`, nil},
		{`{"not":{"path":{"prefix":"/a/"}}}`, nil},
	} {
		t.Run(tc.perm, func(t *testing.T) {
			p := mustParse(t, ruleWith("permission", tc.perm))
			got, ok := firstSegments(p.allow.all[0].m)
			if (tc.want == nil) != !ok || (ok && !reflect.DeepEqual(got, tc.want)) {
				t.Errorf("firstSegments = %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
}

// TestRuleIndexAgreesWithFullScan: the indexed and the full walk give identical decisions.
func TestRuleIndexAgreesWithFullScan(t *testing.T) {
	specs := []string{policySpec(100, true), policySpec(100, false),
		`{"defaultAction":"ALLOW","rules":[{"id":"d1","action":"DENY","principals":[{"any":true}],"permissions":[{"path":{"prefix":"/admin/"}}]},
		 {"id":"l","action":"LOG","principals":[{"any":true}],"permissions":[{"path":{"exact":"/"}}]},
		 {"id":"d2","action":"DENY","shadow":true,"principals":[{"any":true}],"permissions":[{"method":["DELETE"]}]}]}`}
	paths := []string{"/api/orders", "/blocked/4/x", "/svc-1/a/items", "/r-2/x", "/admin/x", "/admin", "/", "", "*",
		"/api", "//x", "/svc-5/a/items?q=1", "/healthz"}
	for _, spec := range specs {
		p := mustParse(t, spec)
		q := fullScan(p)
		for _, path := range paths {
			for _, method := range []string{"GET", "DELETE"} {
				r := rq{method: method, path: path, source: "10.0.0.1:1", id: ident("u1", `{"realm_access":{"roles":["role-1","role-2","role-6"]}}`),
					headers: [][2]string{{"x-tenant", "t-3"}}}
				a, b := p.OnRequest(r.build()), q.OnRequest(r.build())
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%s %s: indexed %+v, full scan %+v", method, path, a, b)
				}
			}
		}
	}
}
