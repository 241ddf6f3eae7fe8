package rbac

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

// fuzzRequests are evaluated by every spec FuzzParse accepts.
var fuzzRequests = []rq{
	{},
	{method: "POST", path: "/admin/x?y", source: "10.0.0.1:1", id: ident("u1", keycloak, "orders:read"),
		headers: [][2]string{{"x-forwarded-for", "1.2.3.4, 5.6.7.8"}, {"x-device-class", "managed"}}},
	{path: "/users/1/orders", source: "[2001:db8::1]:443", id: ident("", `{"realm_access":{"roles":"admin"}}`),
		peer: policy.PeerIdentity{URISANs: []string{"spiffe://x/y"}}},
}

// FuzzParse: any spec is either refused with field errors or compiles into a policy whose
// evaluation neither panics nor varies between two runs.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"testdata/valid", "testdata/invalid"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			if _, p, err := config.Load(data, "rbac", func(spec []byte) ([]byte, error) { return spec, nil }); err == nil {
				f.Add(p)
			}
		}
	}
	f.Add([]byte(policySpec(12, true)))
	f.Add([]byte(`{"rules":[{"id":"a","action":"ALLOW","principals":[{"not":{"or":[{"scope":"x"},{"role":"r"}]}}],"permissions":[{"path":{"template":"/a/*/b"}}]}]}`))
	f.Fuzz(func(t *testing.T, spec []byte) {
		p, err := Parse(spec)
		if err != nil {
			if len(config.Fields(err)) == 0 {
				t.Fatalf("error without field: %v", err)
			}
			return
		}
		pol := p.(*Policy)
		for _, r := range fuzzRequests {
			a, b := pol.OnRequest(r.build()), pol.OnRequest(r.build())
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("non-deterministic decision: %+v vs %+v", a, b)
			}
		}
	})
}

// FuzzEvaluate: request data from the network (method, path, authority, headers, source
// address, claims, subject) never panics an evaluation, always gives the same decision, and
// the rule index decides as a full scan does.
func FuzzEvaluate(f *testing.F) {
	spec := `{"trustedProxyHops":2,"trustedProxies":["10.0.0.0/8","::1/128"],` + rolesSpec + `,"device":{"classes":["managed"],"userAgent":[{"class":"mobile","contains":["iPhone"]}]},"rules":[
	 {"id":"d","action":"DENY","principals":[{"remoteIp":["192.0.2.0/24"]}],"permissions":[{"any":true}]},
	 {"id":"hd","action":"DENY","principals":[{"header":{"name":"x-k","exact":"deny"}}],"permissions":[{"or":[{"host":{"suffix":".evil.example"}},{"host":{"exact":"kube.example"}}]}]},
	 {"id":"ha","action":"ALLOW","principals":[{"any":true}],"permissions":[{"host":{"suffix":".ok.example"}}]},
	 {"id":"staff","action":"ALLOW","roles":["reader","admin"],"conditions":[{"device":["managed","mobile"]}]},
	 {"id":"p","action":"ALLOW","principals":[{"or":[{"peer":{"uriSan":{"prefix":"spiffe://"}}},{"claim":{"path":"a.b","prefix":"x"}},{"header":{"name":"x-k","regex":"[a-z]+"}}]}],
	  "permissions":[{"and":[{"host":{"suffix":".example"}},{"port":[443,8443]},{"path":{"template":"/u/*/o/**"}}]}],
	  "conditions":[{"or":[{"stepUp":{"amr":["mfa"],"maxAge":60}},{"time":{"from":"22:00","to":"06:00","timeZone":"Europe/Berlin"}}]}]},
	 {"id":"l","action":"LOG","principals":[{"claim":{"path":"n","equals":3}}],"permissions":[{"any":true}]}]}`
	p := mustParse(f, spec)
	full := fullScan(p)
	f.Add("GET", "/orders/1", "a.example:443", "1.2.3.4, 10.0.0.1", "10.0.0.9:1", "u", keycloak, "managed")
	f.Add("POST", "/u/1/o/2/3", "[::1]:8443", "garbage,,", "[2001:db8::1]:1", "", `{"a":{"b":["x1"]},"n":3,"amr":"mfa"}`, "iPhone")
	f.Add("", "", "", "", "", "", `{"realm_access":{"roles":[1,{"x":[]},null]}}`, "")
	f.Add("GET", "/u/x/o/y", "b.example", "", "192.0.2.1:1", "abc", `{"amr":["mfa"],"auth_time":1767225590}`, "")
	f.Add("GET", "/U/x/o/..;/%2Fy.", "B.example.:443", "", "10.0.0.1:1", "", "{}", "")
	f.Add("GET", "/", "\u212aube.example", "", "10.0.0.1:1", "deny", "{}", "")
	f.Add("GET", "/", "X.Evil.Example.:80", "", "10.0.0.1:1", "deny", "{}", "")
	f.Add("GET", "/", "a.ok.example", "", "10.0.0.1:1", "", "{}", "")
	f.Fuzz(func(t *testing.T, method, path, authority, xff, source, sub, claims, device string) {
		r := rq{method: method, path: path, authority: authority, source: source,
			headers: [][2]string{{"x-forwarded-for", xff}, {"x-device-class", device}, {"user-agent", device}, {"x-k", sub}},
			id:      ident(sub, claims, sub)}
		a, b := p.OnRequest(r.build()), p.OnRequest(r.build())
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("non-deterministic decision: %+v vs %+v", a, b)
		}
		if c := full.OnRequest(r.build()); !reflect.DeepEqual(a, c) {
			t.Fatalf("rule index changes the decision: %+v vs full scan %+v", a, c)
		}
		if a.Verdict == policy.Deny && a.Reply.Status != 400 && string(a.Reply.Body) != defaultBody { // 400: policy.PathRejected
			t.Fatalf("deny body changed: %q", a.Reply.Body)
		}
	})
}
