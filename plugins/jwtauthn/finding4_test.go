package jwtauthn

import (
	"testing"

	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/pathnorm"
	"github.com/wasmward/wasmward/shared/policy"
)

// Issue 16, finding 4: rules matched the raw :path and :authority, so spellings the upstream
// resolves to a protected resource selected a weaker rule (the "public" rule needs no token;
// "api" needs no scope). Rules now match policy.Request.NormalizedPath / NormalizedHost, and
// ambiguous encodings are refused with 400 (docs/security.md).

func finding4Cases() (attacks, controls []harness.Case) {
	readTok := keyFor("EdDSA").token(caseClaims()) // scopes "read write": not admin
	read := [][2]string{{"authorization", "Bearer " + readTok}}
	noToken := harness.Expect{Status: 401, Headers: map[string]string{"www-authenticate": "Bearer"}}
	noScope := harness.Expect{Status: 403}
	bad := harness.Expect{Status: 400, BodyContains: "bad request path"}
	c := func(name, path string, h [][2]string, want harness.Expect) harness.Case {
		return harness.Case{Name: name, Request: harness.Request{Path: path, Headers: h}, Want: want}
	}
	attacks = []harness.Case{
		c("dot-dot out of public", "/public/../admin/users", nil, noToken),
		c("dot-dot-semicolon out of public", "/public/..;/admin/users", nil, noToken),
		c("encoded dot-dot out of public", "/public/%2e%2e/orders", nil, noToken),
		c("backslash dot-dot out of public", "/public/..\\admin", nil, noToken),
		c("double slash", "//admin/users", read, noScope),
		c("encoded unreserved letter", "/%61dmin/users", read, noScope),
		c("path parameter", "/admin;param", read, noScope),
		c("path parameter in a segment", "/admin;x=1/users", read, noScope),
		c("dot-dot elsewhere", "/x/../admin/users", read, noScope),
		c("trailing dot", "/admin.", read, noScope),
		c("trailing dot segment", "/admin./users", read, noScope),
		c("encoded slash", "/admin%2Fusers", read, bad),
		c("encoded backslash", "/admin%5cusers", read, bad),
		c("double encoding", "/%2561dmin/users", read, bad),
		c("encoded semicolon", "/admin%3Bx", read, bad),
		c("invalid escape", "/admin%zz", read, bad),
		c("encoded NUL", "/admin%00.json", read, harness.Expect{Status: 400}),
	}
	controls = []harness.Case{
		c("public stays public", "/public/x", nil, harness.Expect{Status: 200}),
		c("dot-dot inside public", "/public/a/../b", nil, harness.Expect{Status: 200}),
		c("query is not a path", "/public/x?next=/../admin&p=%2F", nil, harness.Expect{Status: 200}),
		c("administrator is not admin", "/administrator", read, harness.Expect{Status: 200}),
		c("encoded space is data", "/admin%20x", read, harness.Expect{Status: 200}),
		c("publicity is not public", "/publicity", nil, noToken),
		c("admin still needs its scope", "/admin/users", read, noScope),
	}
	return attacks, controls
}

// TestFinding4_PathBypass: before the fix every attack reached the upstream (200) with no
// token or without the admin scope, or (encoded slash) passed as another path.
func TestFinding4_PathBypass(t *testing.T) {
	attacks, _ := finding4Cases()
	harness.RunCases(t, Definition, []byte(caseConfig()), attacks)
}

// TestFinding4_BenignControls: requests that must keep their meaning.
func TestFinding4_BenignControls(t *testing.T) {
	_, controls := finding4Cases()
	harness.RunCases(t, Definition, []byte(caseConfig()), controls)
}

// TestFinding4_HostBypass: host-scoped rules see the host without port and trailing dot, in
// lower case, including "*." rules.
func TestFinding4_HostBypass(t *testing.T) {
	cfg := `{"apiVersion":"wasmward/v1","plugin":"jwtauthn","spec":{
	 "providers":[{"id":"corp","issuer":"` + testIssuer + `","audiences":["` + testAudience + `"],"algorithms":["EdDSA"],
	  "jwks":` + jwksOf(keyFor("EdDSA")) + `}],
	 "rules":[{"id":"api","match":{"hosts":["api.example.com","*.corp.example"]},"requires":{"provider":"corp"}},
	          {"id":"rest","match":{"path":{"prefix":"/"}}}]}}`
	h := func(name, authority string, status int) harness.Case {
		return harness.Case{Name: name, Request: harness.Request{Path: "/x", Authority: authority}, Want: harness.Expect{Status: status}}
	}
	harness.RunCases(t, Definition, []byte(cfg), []harness.Case{
		h("trailing dot", "api.example.com.", 401),
		h("trailing dot and port, upper case", "API.Example.COM.:8443", 401),
		h("wildcard with trailing dot", "x.corp.example.", 401),
		h("wildcard with trailing dot and port", "a.b.corp.example.:443", 401),
		h("control: plain host", "api.example.com", 401),
		h("control: other host", "other.example.com", 200),
		h("control: suffix is not the host", "api.example.com.evil.test", 200),
		h("control: wildcard needs a subdomain", "corp.example.", 200),
	})
}

// TestFinding4_CaseInsensitive: with paths.caseInsensitive (set by the glue from the envelope)
// "/ADMIN" is "/admin"; without it, it stays another path.
func TestFinding4_CaseInsensitive(t *testing.T) {
	pol, _ := start(t, `{"providers":[{"id":"corp","issuer":"`+testIssuer+`","audiences":["`+testAudience+`"],
	 "algorithms":["EdDSA"],"jwks":`+jwksOf(keyFor("EdDSA"))+`}],
	 "rules":[{"id":"admin","match":{"path":{"prefix":"/Admin"}},"requires":{"provider":"corp"}},
	          {"id":"tmpl","match":{"path":{"template":"/Users/*/Keys"}},"requires":{"provider":"corp"}},
	          {"id":"rest"}]}`)
	for _, tc := range []struct {
		path string
		o    pathnorm.Options
		rule string
	}{
		{"/ADMIN/x", pathnorm.Options{FoldCase: true}, "admin"},
		{"/admin", pathnorm.Options{FoldCase: true}, "admin"},
		{"/users/7/KEYS", pathnorm.Options{FoldCase: true}, "tmpl"},
		{"/ADMIN/x", pathnorm.Options{}, "rest"},
		{"/Admin/x", pathnorm.Options{}, "admin"},
		{"/%41dmin%2Fx", pathnorm.Options{DecodeAmbiguous: true, FoldCase: true}, "admin"},
	} {
		req := policy.NewRequest([][2]string{{":method", "GET"}, {":path", tc.path}, {":authority", "a"}}, nil, nil)
		req.SetPathOptions(tc.o)
		if d := pol.OnRequest(req); d.Rule != tc.rule {
			t.Errorf("%s %+v: rule %q (%s), want %q", tc.path, tc.o, d.Rule, d.Reason, tc.rule)
		}
	}
	req := policy.NewRequest([][2]string{{":method", "GET"}, {":path", "/a%2Fb"}, {"x-user", "forged"}}, nil, nil)
	d := pol.OnRequest(req)
	if d.Reply.Status != 400 || d.Reason != policy.ReasonAmbiguousPath {
		t.Errorf("ambiguous path: %+v", d)
	}
}
