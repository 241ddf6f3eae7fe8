package rbac

import (
	"strings"
	"testing"
	"time"

	"github.com/wasmward/wasmward/shared/policy"
)

// matcherCase: a matcher in a slot, a request, and whether the matcher matches it.
type matcherCase struct {
	name  string
	slot  string // principal, permission, condition
	m     string
	extra []string // top-level spec members
	req   rq
	now   time.Time
	want  bool
}

func runMatcherCases(t *testing.T, cases []matcherCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p *Policy
			if tc.now.IsZero() {
				p = mustParse(t, ruleWith(tc.slot, tc.m, tc.extra...))
			} else {
				p = mustParse(t, ruleWith(tc.slot, tc.m, tc.extra...), tc.now)
			}
			d := p.OnRequest(tc.req.build())
			if got := d.Verdict == policy.Allow; got != tc.want {
				t.Errorf("matcher %s: matched=%v, want %v (decision %+v)", tc.m, got, tc.want, d)
			}
		})
	}
}

const keycloak = `{"sub":"u1","realm_access":{"roles":["admin","user"]},"tenant":"acme","level":3,
 "verified":true,"groups":"ops","resource_access":{"my-client":{"roles":["viewer"]}},
 "https://example.com/tier":"gold","acr":"urn:mfa","amr":["pwd","otp"],"auth_time":1767225500}`

func TestCombinators(t *testing.T) {
	admin := rq{id: ident("u1", keycloak)}
	runMatcherCases(t, []matcherCase{
		{"any matches everything", "principal", `{"any":true}`, nil, rq{}, time.Time{}, true},
		{"and needs all", "principal", `{"and":[{"authenticated":{}},{"claim":{"path":"tenant","equals":"acme"}}]}`, nil, admin, time.Time{}, true},
		{"and fails on one", "principal", `{"and":[{"authenticated":{}},{"claim":{"path":"tenant","equals":"other"}}]}`, nil, admin, time.Time{}, false},
		{"or needs one", "principal", `{"or":[{"scope":"nope"},{"claim":{"path":"tenant","equals":"acme"}}]}`, nil, admin, time.Time{}, true},
		{"or fails on none", "principal", `{"or":[{"scope":"nope"},{"scope":"nope2"}]}`, nil, admin, time.Time{}, false},
		{"not inverts", "principal", `{"not":{"authenticated":{}}}`, nil, rq{}, time.Time{}, true},
		{"not inverts a match", "principal", `{"not":{"authenticated":{}}}`, nil, admin, time.Time{}, false},
		{"nested and/or/not", "permission", `{"and":[{"method":["GET"]},{"not":{"or":[{"path":{"prefix":"/admin"}},{"path":{"prefix":"/internal"}}]}}]}`, nil, rq{path: "/api"}, time.Time{}, true},
		{"nested and/or/not excluded", "permission", `{"and":[{"method":["GET"]},{"not":{"or":[{"path":{"prefix":"/admin"}},{"path":{"prefix":"/internal"}}]}}]}`, nil, rq{path: "/internal/x"}, time.Time{}, false},
	})
}

func TestPrincipalMatchers(t *testing.T) {
	id := rq{id: ident("u1", keycloak, "orders:read", "orders:write")}
	spiffe := rq{peer: policy.PeerIdentity{URISANs: []string{"spiffe://corp/ns/pay/sa/api"}, DNSSANs: []string{"pay.svc"}, Subject: "CN=pay,O=corp"}}
	runMatcherCases(t, []matcherCase{
		{"authenticated: identity with subject", "principal", `{"authenticated":{}}`, nil, id, time.Time{}, true},
		{"authenticated: no identity", "principal", `{"authenticated":{}}`, nil, rq{}, time.Time{}, false},
		{"authenticated: empty subject", "principal", `{"authenticated":{}}`, nil, rq{id: ident("", `{}`)}, time.Time{}, false},
		{"authenticated: subject exact", "principal", `{"authenticated":{"subject":{"exact":"u1"}}}`, nil, id, time.Time{}, true},
		{"authenticated: subject mismatch", "principal", `{"authenticated":{"subject":{"exact":"u2"}}}`, nil, id, time.Time{}, false},
		{"authenticated: issuer prefix", "principal", `{"authenticated":{"issuer":{"prefix":"https://idp."}}}`, nil, id, time.Time{}, true},
		{"authenticated: provider", "principal", `{"authenticated":{"provider":["other","corp"]}}`, nil, id, time.Time{}, true},
		{"authenticated: provider mismatch", "principal", `{"authenticated":{"provider":["other"]}}`, nil, id, time.Time{}, false},
		{"claim: nested array contains", "principal", `{"claim":{"path":"realm_access.roles","contains":"admin"}}`, nil, id, time.Time{}, true},
		{"claim: contains absent value", "principal", `{"claim":{"path":"realm_access.roles","contains":"root"}}`, nil, id, time.Time{}, false},
		{"claim: contains on a string claim does not match", "principal", `{"claim":{"path":"groups","contains":"ops"}}`, nil, id, time.Time{}, false},
		{"claim: dashed nested key", "principal", `{"claim":{"path":"resource_access.my-client.roles","contains":"viewer"}}`, nil, id, time.Time{}, true},
		{"claim: escaped dot key", "principal", `{"claim":{"path":"https://example\\.com/tier","equals":"gold"}}`, nil, id, time.Time{}, true},
		{"claim: equals string", "principal", `{"claim":{"path":"tenant","equals":"acme"}}`, nil, id, time.Time{}, true},
		{"claim: equals number", "principal", `{"claim":{"path":"level","equals":3}}`, nil, id, time.Time{}, true},
		{"claim: equals number vs string", "principal", `{"claim":{"path":"level","equals":"3"}}`, nil, id, time.Time{}, false},
		{"claim: equals bool", "principal", `{"claim":{"path":"verified","equals":true}}`, nil, id, time.Time{}, true},
		{"claim: equals on array never matches", "principal", `{"claim":{"path":"realm_access.roles","equals":"admin"}}`, nil, id, time.Time{}, false},
		{"claim: anyOf scalar", "principal", `{"claim":{"path":"tenant","anyOf":["x","acme"]}}`, nil, id, time.Time{}, true},
		{"claim: anyOf array element", "principal", `{"claim":{"path":"realm_access.roles","anyOf":["root","user"]}}`, nil, id, time.Time{}, true},
		{"claim: anyOf none", "principal", `{"claim":{"path":"realm_access.roles","anyOf":["root"]}}`, nil, id, time.Time{}, false},
		{"claim: prefix", "principal", `{"claim":{"path":"tenant","prefix":"ac"}}`, nil, id, time.Time{}, true},
		{"claim: suffix on array", "principal", `{"claim":{"path":"realm_access.roles","suffix":"min"}}`, nil, id, time.Time{}, true},
		{"claim: prefix on number never matches", "principal", `{"claim":{"path":"level","prefix":"3"}}`, nil, id, time.Time{}, false},
		{"claim: exists", "principal", `{"claim":{"path":"tenant","exists":true}}`, nil, id, time.Time{}, true},
		{"claim: exists false", "principal", `{"claim":{"path":"missing","exists":false}}`, nil, id, time.Time{}, true},
		{"claim: no identity", "principal", `{"claim":{"path":"tenant","exists":true}}`, nil, rq{}, time.Time{}, false},
		{"claim: malformed claims are no claims", "principal", `{"claim":{"path":"tenant","exists":false}}`, nil, rq{id: ident("u", `{"tenant":`)}, time.Time{}, true},
		{"claim: non-object claims are no claims", "principal", `{"claim":{"path":"0","exists":false}}`, nil, rq{id: ident("u", `["a"]`)}, time.Time{}, true},
		{"scope: present", "principal", `{"scope":"orders:write"}`, nil, id, time.Time{}, true},
		{"scope: absent", "principal", `{"scope":"orders:delete"}`, nil, id, time.Time{}, false},
		{"scope: no identity", "principal", `{"scope":"orders:read"}`, nil, rq{}, time.Time{}, false},
		{"peer: SPIFFE ID prefix", "principal", `{"peer":{"uriSan":{"prefix":"spiffe://corp/ns/pay/"}}}`, nil, spiffe, time.Time{}, true},
		{"peer: SPIFFE ID exact mismatch", "principal", `{"peer":{"uriSan":{"exact":"spiffe://corp/ns/web/sa/x"}}}`, nil, spiffe, time.Time{}, false},
		{"peer: DNS SAN", "principal", `{"peer":{"dnsSan":{"suffix":".svc"}}}`, nil, spiffe, time.Time{}, true},
		{"peer: subject", "principal", `{"peer":{"subject":{"contains":"O=corp"}}}`, nil, spiffe, time.Time{}, true},
		{"peer: no certificate", "principal", `{"peer":{"subject":{"regex":".*"}}}`, nil, rq{}, time.Time{}, false},
		{"directRemoteIp: in CIDR", "principal", `{"directRemoteIp":["10.0.0.0/8"]}`, nil, rq{source: "10.1.2.3:5555"}, time.Time{}, true},
		{"directRemoteIp: outside", "principal", `{"directRemoteIp":["10.0.0.0/8"]}`, nil, rq{source: "11.1.2.3:5555"}, time.Time{}, false},
		{"directRemoteIp: IPv6", "principal", `{"directRemoteIp":["2001:db8::/32"]}`, nil, rq{source: "[2001:db8::1]:443"}, time.Time{}, true},
		{"directRemoteIp: bare address", "principal", `{"directRemoteIp":["192.0.2.7"]}`, nil, rq{source: "192.0.2.7:1"}, time.Time{}, true},
		{"directRemoteIp: XFF ignored", "principal", `{"directRemoteIp":["10.0.0.0/8"]}`, nil, rq{source: "198.51.100.1:1", headers: [][2]string{{"x-forwarded-for", "10.0.0.1"}}}, time.Time{}, false},
		{"directRemoteIp: no source", "principal", `{"directRemoteIp":["0.0.0.0/0"]}`, nil, rq{}, time.Time{}, false},
		{"remoteIp: hops 0 uses the peer", "principal", `{"remoteIp":["10.0.0.0/8"]}`, nil, rq{source: "10.0.0.9:1", headers: [][2]string{{"x-forwarded-for", "203.0.113.5"}}}, time.Time{}, true},
		{"remoteIp: hops 1 uses the last XFF entry", "principal", `{"remoteIp":["203.0.113.0/24"]}`, []string{`"trustedProxyHops":1`, `"trustedProxies":["10.0.0.0/8"]`}, rq{source: "10.0.0.9:1", headers: [][2]string{{"x-forwarded-for", "1.2.3.4, 203.0.113.5"}}}, time.Time{}, true},
		{"remoteIp: hops 1 ignores spoofed left entries", "principal", `{"remoteIp":["1.2.3.0/24"]}`, []string{`"trustedProxyHops":1`, `"trustedProxies":["10.0.0.0/8"]`}, rq{source: "10.0.0.9:1", headers: [][2]string{{"x-forwarded-for", "1.2.3.4, 203.0.113.5"}}}, time.Time{}, false},
		{"remoteIp: hops 2 across repeated headers", "principal", `{"remoteIp":["1.2.3.0/24"]}`, []string{`"trustedProxyHops":2`, `"trustedProxies":["10.0.0.0/8"]`}, rq{source: "10.0.0.9:1", headers: [][2]string{{"x-forwarded-for", "9.9.9.9, 1.2.3.4"}, {"x-forwarded-for", "10.0.0.8"}}}, time.Time{}, true},
		{"remoteIp: entry appended by Envoy skipped", "principal", `{"remoteIp":["203.0.113.0/24"]}`, []string{`"trustedProxyHops":1`, `"trustedProxies":["10.0.0.0/8"]`}, rq{source: "10.0.0.9:1", headers: [][2]string{{"x-forwarded-for", "203.0.113.5,10.0.0.9"}}}, time.Time{}, true},
		{"remoteIp: hops 2, an untrusted entry is the client", "principal", `{"remoteIp":["203.0.113.0/24"]}`, []string{`"trustedProxyHops":2`, `"trustedProxies":["10.0.0.0/8"]`}, rq{source: "10.0.0.9:1", headers: [][2]string{{"x-forwarded-for", "203.0.113.5"}}}, time.Time{}, true},
		{"remoteIp: too few entries", "principal", `{"remoteIp":["0.0.0.0/0"]}`, []string{`"trustedProxyHops":2`, `"trustedProxies":["10.0.0.0/8"]`}, rq{source: "10.0.0.9:1", headers: [][2]string{{"x-forwarded-for", "10.0.0.5"}}}, time.Time{}, false},
		{"remoteIp: an untrusted peer's XFF is ignored", "principal", `{"remoteIp":["203.0.113.0/24"]}`, []string{`"trustedProxyHops":1`, `"trustedProxies":["10.0.0.0/8"]`}, rq{source: "198.51.100.1:1", headers: [][2]string{{"x-forwarded-for", "203.0.113.5"}}}, time.Time{}, false},
		{"remoteIp: garbage entry", "principal", `{"remoteIp":["0.0.0.0/0"]}`, []string{`"trustedProxyHops":1`, `"trustedProxies":["10.0.0.0/8"]`}, rq{source: "10.0.0.9:1", headers: [][2]string{{"x-forwarded-for", "unknown"}}}, time.Time{}, false},
		{"remoteIp: huge XFF", "principal", `{"remoteIp":["0.0.0.0/0"]}`, []string{`"trustedProxyHops":1`, `"trustedProxies":["10.0.0.0/8"]`}, rq{source: "10.0.0.9:1", headers: [][2]string{{"x-forwarded-for", strings.Repeat("1.1.1.1,", 2000) + "2.2.2.2"}}}, time.Time{}, false},
		{"header: exact", "principal", `{"header":{"name":"x-team","exact":"pay"}}`, nil, rq{headers: [][2]string{{"x-team", "pay"}}}, time.Time{}, true},
		{"header: ignoreCase", "principal", `{"header":{"name":"x-team","exact":"PAY","ignoreCase":true}}`, nil, rq{headers: [][2]string{{"x-team", "pay"}}}, time.Time{}, true},
		{"header: repeated joined with comma", "principal", `{"header":{"name":"x-team","exact":"a,b"}}`, nil, rq{headers: [][2]string{{"x-team", "a"}, {"x-team", "b"}}}, time.Time{}, true},
		{"header: present", "principal", `{"header":{"name":"x-team","present":true}}`, nil, rq{headers: [][2]string{{"x-team", ""}}}, time.Time{}, true},
		{"header: absent", "principal", `{"header":{"name":"x-team","present":false}}`, nil, rq{}, time.Time{}, true},
		{"header: missing never matches a value", "principal", `{"header":{"name":"x-team","regex":".*"}}`, nil, rq{}, time.Time{}, false},
	})
}

func TestRoleMatcher(t *testing.T) {
	roles := `"roles":{"admin":{"grantedBy":[{"claim":{"path":"realm_access.roles","contains":"admin"}}],"permissions":[{"any":true}]}}`
	runMatcherCases(t, []matcherCase{
		{"role: held", "principal", `{"role":"admin"}`, []string{roles}, rq{id: ident("u1", keycloak)}, time.Time{}, true},
		{"role: not held", "principal", `{"role":"admin"}`, []string{roles}, rq{id: ident("u1", `{"realm_access":{"roles":["user"]}}`)}, time.Time{}, false},
		{"role: string where array expected", "principal", `{"role":"admin"}`, []string{roles}, rq{id: ident("u1", `{"realm_access":{"roles":"admin"}}`)}, time.Time{}, false},
	})
}

func TestPermissionMatchers(t *testing.T) {
	runMatcherCases(t, []matcherCase{
		{"method: listed", "permission", `{"method":["GET","HEAD"]}`, nil, rq{method: "HEAD"}, time.Time{}, true},
		{"method: not listed", "permission", `{"method":["GET","HEAD"]}`, nil, rq{method: "POST"}, time.Time{}, false},
		{"method: case-sensitive", "permission", `{"method":["GET"]}`, nil, rq{method: "get"}, time.Time{}, false},
		{"path: exact ignores the query", "permission", `{"path":{"exact":"/orders"}}`, nil, rq{path: "/orders?id=1"}, time.Time{}, true},
		{"path: exact mismatch", "permission", `{"path":{"exact":"/orders"}}`, nil, rq{path: "/orders/1"}, time.Time{}, false},
		{"path: prefix", "permission", `{"path":{"prefix":"/api/"}}`, nil, rq{path: "/api/x"}, time.Time{}, true},
		{"path: suffix", "permission", `{"path":{"suffix":".json"}}`, nil, rq{path: "/a/b.json?x"}, time.Time{}, true},
		{"path: regex is anchored", "permission", `{"path":{"regex":"/v[0-9]+/x"}}`, nil, rq{path: "/v2/x/y"}, time.Time{}, false},
		{"path: regex", "permission", `{"path":{"regex":"/v[0-9]+/x"}}`, nil, rq{path: "/v2/x"}, time.Time{}, true},
		{"path: template one segment", "permission", `{"path":{"template":"/users/*/orders"}}`, nil, rq{path: "/users/42/orders"}, time.Time{}, true},
		{"path: template segment must not be empty", "permission", `{"path":{"template":"/users/*/orders"}}`, nil, rq{path: "/users//orders"}, time.Time{}, false},
		{"path: template does not span segments", "permission", `{"path":{"template":"/users/*/orders"}}`, nil, rq{path: "/users/4/2/orders"}, time.Time{}, false},
		{"path: template no trailing extra", "permission", `{"path":{"template":"/users/*/orders"}}`, nil, rq{path: "/users/42/orders/7"}, time.Time{}, false},
		{"path: template ** rest", "permission", `{"path":{"template":"/files/**"}}`, nil, rq{path: "/files/a/b/c"}, time.Time{}, true},
		{"path: template ** needs a segment", "permission", `{"path":{"template":"/files/**"}}`, nil, rq{path: "/files/"}, time.Time{}, false},
		{"path: template ignoreCase", "permission", `{"path":{"template":"/Users/*","ignoreCase":true}}`, nil, rq{path: "/users/1"}, time.Time{}, true},
		{"host: exact, case and port ignored", "permission", `{"host":{"exact":"API.example.com"}}`, nil, rq{authority: "api.example.com:8443"}, time.Time{}, true},
		{"host: suffix", "permission", `{"host":{"suffix":".example.com"}}`, nil, rq{authority: "a.example.com"}, time.Time{}, true},
		{"host: suffix mismatch", "permission", `{"host":{"suffix":".example.com"}}`, nil, rq{authority: "example.com.evil"}, time.Time{}, false},
		{"header: in permissions", "permission", `{"header":{"name":"content-type","prefix":"application/json"}}`, nil, rq{headers: [][2]string{{"content-type", "application/json; charset=utf-8"}}}, time.Time{}, true},
		{"port: the destination port", "permission", `{"port":[8443]}`, nil, rq{port: 8443}, time.Time{}, true},
		{"port: the authority's port is ignored", "permission", `{"port":[8443]}`, nil, rq{authority: "a:8443", port: 443}, time.Time{}, false},
		{"port: another destination port", "permission", `{"port":[443]}`, nil, rq{authority: "a", scheme: "http", port: 80}, time.Time{}, false},
		{"port: unknown destination port", "permission", `{"port":[443]}`, nil, rq{authority: "a:443", port: -1}, time.Time{}, false},
	})
}

func TestConditionMatchers(t *testing.T) {
	// 2026-01-05 is a Monday. 08:30 UTC is 09:30 in Berlin (CET, UTC+1).
	mon0830 := time.Date(2026, 1, 5, 8, 30, 0, 0, time.UTC)
	sat := time.Date(2026, 1, 10, 10, 0, 0, 0, time.UTC)
	tue0300 := time.Date(2026, 1, 6, 3, 0, 0, 0, time.UTC)
	device := `"device":{"classes":["managed"],"userAgent":[{"class":"mobile","contains":["iPhone","Android"]}]},"trustedProxies":["10.0.0.0/8"]`
	mfa := rq{id: ident("u1", keycloak)}
	runMatcherCases(t, []matcherCase{
		{"time: office hours in Berlin", "condition", `{"time":{"days":["Mon","Tue","Wed","Thu","Fri"],"from":"09:00","to":"17:00","timeZone":"Europe/Berlin"}}`, nil, rq{}, mon0830, true},
		{"time: same instant is before 09:00 in UTC", "condition", `{"time":{"days":["Mon"],"from":"09:00","to":"17:00"}}`, nil, rq{}, mon0830, false},
		{"time: weekend excluded", "condition", `{"time":{"days":["Mon","Tue","Wed","Thu","Fri"],"timeZone":"Europe/Berlin"}}`, nil, rq{}, sat, false},
		{"time: window across midnight, morning part", "condition", `{"time":{"days":["Mon"],"from":"22:00","to":"06:00"}}`, nil, rq{}, tue0300, true},
		{"time: window across midnight, wrong start day", "condition", `{"time":{"days":["Tue"],"from":"22:00","to":"06:00"}}`, nil, rq{}, tue0300, false},
		{"time: to 24:00", "condition", `{"time":{"from":"08:00","to":"24:00"}}`, nil, rq{}, mon0830, true},
		{"time: New York", "condition", `{"time":{"from":"00:00","to":"04:00","timeZone":"America/New_York"}}`, nil, rq{}, mon0830, true},
		{"remoteIp: as a network condition", "condition", `{"remoteIp":["10.0.0.0/8"]}`, nil, rq{source: "10.2.3.4:1"}, time.Time{}, true},
		{"device: from header", "condition", `{"device":["managed"]}`, []string{device}, rq{source: "10.0.0.1:1", headers: [][2]string{{"x-device-class", "Managed"}}}, time.Time{}, true},
		{"device: header from an untrusted peer ignored", "condition", `{"device":["managed"]}`, []string{device}, rq{source: "198.51.100.1:1", headers: [][2]string{{"x-device-class", "managed"}}}, time.Time{}, false},
		{"device: undeclared header value is unknown", "condition", `{"device":["unknown"]}`, []string{device}, rq{source: "10.0.0.1:1", headers: [][2]string{{"x-device-class", "gaming"}}}, time.Time{}, true},
		{"device: from user agent", "condition", `{"device":["mobile"]}`, []string{device}, rq{headers: [][2]string{{"user-agent", "Mozilla/5.0 (iPhone; CPU)"}}}, time.Time{}, true},
		{"device: header wins over user agent", "condition", `{"device":["mobile"]}`, []string{device}, rq{source: "10.0.0.1:1", headers: [][2]string{{"x-device-class", "managed"}, {"user-agent", "Android"}}}, time.Time{}, false},
		{"device: nothing is unknown", "condition", `{"device":["managed","mobile"]}`, []string{device}, rq{}, time.Time{}, false},
		{"stepUp: acr", "condition", `{"stepUp":{"acr":["urn:mfa"]}}`, nil, mfa, time.Time{}, true},
		{"stepUp: amr array", "condition", `{"stepUp":{"amr":["otp","hwk"]}}`, nil, mfa, time.Time{}, true},
		{"stepUp: amr missing value", "condition", `{"stepUp":{"amr":["hwk"]}}`, nil, mfa, time.Time{}, false},
		{"stepUp: amr string where array expected", "condition", `{"stepUp":{"amr":["otp"]}}`, nil, rq{id: ident("u", `{"amr":"otp"}`)}, time.Time{}, false},
		{"stepUp: no identity", "condition", `{"stepUp":{"amr":["otp"]}}`, nil, rq{}, time.Time{}, false},
		{"stepUp: fresh auth_time", "condition", `{"stepUp":{"amr":["otp"],"maxAge":300}}`, nil, mfa, time.Unix(1767225500+200, 0), true},
		{"stepUp: stale auth_time", "condition", `{"stepUp":{"amr":["otp"],"maxAge":300}}`, nil, mfa, time.Unix(1767225500+400, 0), false},
		{"stepUp: maxAge without auth_time", "condition", `{"stepUp":{"amr":["otp"],"maxAge":300}}`, nil, rq{id: ident("u", `{"amr":["otp"]}`)}, time.Time{}, false},
	})
}
