package rbac

import (
	"reflect"
	"testing"
)

// fullScan returns a copy of p that walks every rule (no first-segment index).
func fullScan(p *Policy) *Policy {
	q := *p
	for _, l := range []*ruleList{&q.deny, &q.allow, &q.log} {
		l.bySeg, l.other, l.hosts = nil, nil, nil
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

func TestHostPins(t *testing.T) {
	for _, tc := range []struct {
		perm          string
		exact, suffix []string
		ok            bool
	}{
		{`{"host":{"exact":"api.example.com"}}`, []string{"api.example.com"}, nil, true},
		{`{"host":{"exact":"API.Example.com"}}`, []string{"api.example.com"}, nil, true},
		{`{"host":{"suffix":".tenant-7.example"}}`, nil, []string{".tenant-7.example"}, true},
		{`{"host":{"suffix":"tenant-7.example"}}`, nil, nil, false}, // not at a label: "xtenant-7.example" ends so
		{`{"host":{"prefix":"api."}}`, nil, nil, false},
		{`{"host":{"regex":"api\\..*"}}`, nil, nil, false},
		{`{"host":{"exact":"bücher.example"}}`, nil, nil, false},
		{`{"or":[{"host":{"exact":"a.example"}},{"host":{"suffix":".b.example"}}]}`, []string{"a.example"}, []string{".b.example"}, true},
		{`{"or":[{"host":{"exact":"a.example"}},{"method":["GET"]}]}`, nil, nil, false},
		{`{"and":[{"method":["GET"]},{"host":{"exact":"a.example"}}]}`, []string{"a.example"}, nil, true},
		{`{"not":{"host":{"exact":"a.example"}}}`, nil, nil, false},
	} {
		t.Run(tc.perm, func(t *testing.T) {
			p := mustParse(t, ruleWith("permission", tc.perm))
			pins, ok := hostPins(p.allow.all[0].m)
			if ok != tc.ok || !reflect.DeepEqual(pins.exact, tc.exact) || !reflect.DeepEqual(pins.suffix, tc.suffix) {
				t.Errorf("hostPins = %q, %q, %v; want %q, %q, %v", pins.exact, pins.suffix, ok, tc.exact, tc.suffix, tc.ok)
			}
		})
	}
}

// TestHostIndexAgreesWithFullScan: rules pinned by their host (tenants' rules, both actions,
// shadow and LOG rules, roles) decide as the full walk does, on hosts an attacker would try:
// case, port, trailing dot, a suffix not at a label, the bare suffix, a rune that folds to an
// ASCII letter (the Kelvin sign), IPv6, none.
func TestHostIndexAgreesWithFullScan(t *testing.T) {
	spec := `{"defaultAction":"DENY","roles":{"ops":{"grantedBy":[{"claim":{"path":"realm_access.roles","contains":"ops"}}],
	   "permissions":[{"host":{"exact":"ops.example"}}]}},"rules":[
	 {"id":"d-evil","action":"DENY","principals":[{"any":true}],"permissions":[{"host":{"suffix":".evil.example"}}]},
	 {"id":"d-admin","action":"DENY","principals":[{"not":{"claim":{"path":"realm_access.roles","contains":"admin"}}}],"permissions":[{"host":{"exact":"kube-admin.example"}}]},
	 {"id":"d-shadow","action":"DENY","shadow":true,"principals":[{"any":true}],"permissions":[{"host":{"exact":"legacy.example"}}]},
	 {"id":"t1","action":"ALLOW","principals":[{"header":{"name":"x-tenant","exact":"t-1"}}],"permissions":[{"host":{"suffix":".t-1.example"}}]},
	 {"id":"t3","action":"ALLOW","principals":[{"any":true}],"permissions":[{"or":[{"host":{"suffix":".t-3.example"}},{"host":{"exact":"t3.example"}}]}]},
	 {"id":"seg","action":"ALLOW","principals":[{"any":true}],"permissions":[{"path":{"prefix":"/public/"}}]},
	 {"id":"ops","action":"ALLOW","roles":["ops"]},
	 {"id":"any","action":"ALLOW","principals":[{"header":{"name":"x-tenant","exact":"root"}}],"permissions":[{"any":true}]},
	 {"id":"shadow-allow","action":"ALLOW","shadow":true,"principals":[{"any":true}],"permissions":[{"host":{"exact":"admin.example"}}]},
	 {"id":"log","action":"LOG","principals":[{"any":true}],"permissions":[{"host":{"suffix":".evil.example"}}]}]}`
	p := mustParse(t, spec)
	if p.allow.hosts == nil || p.deny.hosts == nil || p.log.hosts == nil {
		t.Fatal("host-pinned rules are not indexed")
	}
	q := fullScan(p)
	hosts := []string{"a.t-1.example", "t-1.example", "xt-1.example", "A.T-1.EXAMPLE.:8443", "a.b.t-3.example", "t3.example",
		"T3.Example", "kube-admin.example", "KUBE-admin.example:443", "\u212aube-admin.example", "kube-admin.example.", "admin.example", "x.evil.example", "evil.example",
		"x.evil.example.", "x.evıl.example", "ops.example", "legacy.example", "[::1]:80", "", ".", "..evil.example", "x..evil.example"}
	for _, host := range hosts {
		for _, path := range []string{"/", "/public/x", "/x"} {
			for _, tenant := range []string{"t-1", "root", "none"} {
				for _, roles := range []string{`["admin","ops"]`, `["user"]`} {
					r := rq{method: "GET", path: path, authority: host, source: "10.0.0.1:1",
						id: ident("u1", `{"realm_access":{"roles":`+roles+`}}`), headers: [][2]string{{"x-tenant", tenant}}}
					a, b := p.OnRequest(r.build()), q.OnRequest(r.build())
					if !reflect.DeepEqual(a, b) {
						t.Errorf("%s %s %s %s: indexed %+v, full scan %+v", host, path, tenant, roles, a, b)
					}
				}
			}
		}
	}
	// Not only agreeing: the Kelvin sign's host is kube-admin.example for the exact match, and
	// the DENY rule the index must not skip denies it.
	r := rq{method: "GET", path: "/x", authority: "\u212aube-admin.example", id: ident("u1", `{"realm_access":{"roles":["user"]}}`)}
	if d := p.OnRequest(r.build()); d.Rule != "d-admin" {
		t.Errorf("\\u212aube-admin.example: rule %q, want d-admin", d.Rule)
	}
}
