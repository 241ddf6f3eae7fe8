package rbac

import (
	"testing"

	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/pathnorm"
	"github.com/wasmward/wasmward/shared/policy"
)

// Issue 16, finding 4: path and host matchers saw the raw :path and :authority, so spellings
// the upstream resolves to a protected resource escaped DENY rules or rode on an ALLOW rule.
// Matchers now see policy.Request.NormalizedPath / NormalizedHost, and ambiguous encodings are
// refused with 400 (docs/security.md).

// finding4DenyList protects /admin and admin hosts with DENY rules; everything else is allowed.
const finding4DenyList = `{"apiVersion":"wasmward/v1","plugin":"rbac","spec":{"defaultAction":"ALLOW","rules":[
 {"id":"admin","action":"DENY","principals":[{"any":true}],"permissions":[{"path":{"exact":"/admin"}},{"path":{"prefix":"/admin/"}}]},
 {"id":"admin-host","action":"DENY","principals":[{"any":true}],
  "permissions":[{"host":{"exact":"admin.example.com"}},{"host":{"suffix":".internal.example"}}]}]}}`

// finding4AllowList allows /public/ and one API template; everything else is denied.
const finding4AllowList = `{"apiVersion":"wasmward/v1","plugin":"rbac","spec":{"rules":[
 {"id":"public","action":"ALLOW","principals":[{"any":true}],"permissions":[{"path":{"prefix":"/public/"}}]},
 {"id":"api","action":"ALLOW","principals":[{"any":true}],"permissions":[{"path":{"template":"/api/*/items"}}]}]}}`

func f4(name, path, authority string, status int) harness.Case {
	want := harness.Expect{Status: status}
	if status == 400 {
		want.BodyContains = "bad request path"
	}
	return harness.Case{Name: name, Request: harness.Request{Path: path, Authority: authority}, Want: want}
}

// TestFinding4_PathBypass: before the fix every case reached the upstream (200): it escaped the
// DENY rules on /admin, or rode on the ALLOW rule for /public/.
func TestFinding4_PathBypass(t *testing.T) {
	t.Run("deny-list", func(t *testing.T) {
		harness.RunCases(t, Definition, []byte(finding4DenyList), []harness.Case{
			f4("double slash", "//admin", "", 403),
			f4("encoded unreserved letter", "/%61dmin", "", 403),
			f4("encoded dot-dot", "/x/%2E%2E/admin/users", "", 403),
			f4("dot-dot", "/public/../admin", "", 403),
			f4("path parameter", "/admin;param", "", 403),
			f4("path parameter in a segment", "/admin;x=1/users", "", 403),
			f4("backslash", "/admin\\users", "", 403),
			f4("trailing dot", "/admin.", "", 403),
			f4("trailing dot and slash", "/admin./", "", 403),
			f4("trailing dot segment", "/admin./users", "", 403),
			f4("encoded slash", "/admin%2Fusers", "", 400),
			f4("encoded backslash", "/admin%5Cusers", "", 400),
			f4("double encoding", "/%2561dmin", "", 400),
			f4("encoded semicolon", "/admin%3B", "", 400),
			f4("invalid escape", "/admin%G0", "", 400),
			f4("encoded NUL", "/admin%00", "", 400),
		})
	})
	t.Run("allow-list", func(t *testing.T) {
		harness.RunCases(t, Definition, []byte(finding4AllowList), []harness.Case{
			f4("dot-dot out of public", "/public/../admin", "", 403),
			f4("dot-dot-semicolon out of public", "/public/..;/admin", "", 403),
			f4("encoded dot-dot out of public", "/public/%2e%2e/admin", "", 403),
			f4("backslash dot-dot out of public", "/public/..\\admin", "", 403),
			f4("encoded slash out of public", "/public/..%2Fadmin", "", 400),
			f4("double-encoded dot-dot out of public", "/public/%252e%252e/admin", "", 400),
		})
	})
}

// TestFinding4_HostBypass: host rules see the host lower-cased, without port and trailing dot;
// before the fix every case reached the upstream (200).
func TestFinding4_HostBypass(t *testing.T) {
	harness.RunCases(t, Definition, []byte(finding4DenyList), []harness.Case{
		f4("trailing dot", "/x", "admin.example.com.", 403),
		f4("trailing dot, port, upper case", "/x", "ADMIN.Example.com.:8443", 403),
		f4("suffix rule, trailing dot", "/x", "db.internal.example.", 403),
		f4("suffix rule, trailing dot and port", "/x", "db.internal.example.:443", 403),
	})
}

// TestFinding4_BenignControls: requests that keep their meaning. All passed before the fix but
// two the raw match got wrong: "/admin/../public" was denied as /admin, and "/api/7/items;v=2"
// missed its ALLOW template.
func TestFinding4_BenignControls(t *testing.T) {
	t.Run("deny-list", func(t *testing.T) {
		harness.RunCases(t, Definition, []byte(finding4DenyList), []harness.Case{
			f4("administrator is not admin", "/administrator", "", 200),
			f4("encoded space is data", "/admin%20x", "", 200),
			f4("query is not a path", "/x?next=/../admin&p=%2F", "", 200),
			f4("dot-dot away from admin", "/admin/../public", "", 200),
			f4("plain host", "/x", "example.com", 200),
			f4("host with admin as a prefix", "/x", "admin.example.com.evil.test", 200),
			f4("suffix needs a label before it", "/x", "internal.example.", 200),
			f4("exact host rule still denies", "/x", "admin.example.com", 403),
			f4("admin still denied", "/admin/users", "", 403),
		})
	})
	t.Run("allow-list", func(t *testing.T) {
		harness.RunCases(t, Definition, []byte(finding4AllowList), []harness.Case{
			f4("public stays public", "/public/x", "", 200),
			f4("dot segment inside public", "/public/a/./b", "", 200),
			f4("template", "/api/7/items", "", 200),
			f4("template with a path parameter", "/api/7/items;v=2", "", 200),
			f4("template segment must not be empty", "/api//items", "", 403),
			f4("publicity is not public", "/publicity", "", 403),
		})
	})
}

// TestFinding4_CaseInsensitive: with paths.caseInsensitive (set by the glue from the envelope)
// "/ADMIN" is "/admin" for every path matcher kind, and the rule index agrees with a full scan.
func TestFinding4_CaseInsensitive(t *testing.T) {
	p := mustParse(t, `{"defaultAction":"ALLOW","rules":[
	 {"id":"prefix","action":"DENY","principals":[{"any":true}],"permissions":[{"path":{"prefix":"/Admin/"}}]},
	 {"id":"exact","action":"DENY","principals":[{"any":true}],"permissions":[{"path":{"exact":"/root"}}]},
	 {"id":"tmpl","action":"DENY","principals":[{"any":true}],"permissions":[{"path":{"template":"/Users/*/Keys"}}]},
	 {"id":"regex","action":"DENY","principals":[{"any":true}],"permissions":[{"path":{"regex":"/Secret/[0-9]+"}}]},
	 {"id":"other","action":"DENY","principals":[{"any":true}],"permissions":[{"path":{"prefix":"/orders/"}}]}]}`)
	full := fullScan(p)
	fold := pathnorm.Options{FoldCase: true}
	for _, tc := range []struct {
		path string
		o    pathnorm.Options
		rule string // "" allowed
	}{
		{"/ADMIN/x", fold, "prefix"},
		{"/admin/x", fold, "prefix"},
		{"/ROOT", fold, "exact"},
		{"/users/1/KEYS", fold, "tmpl"},
		{"/SECRET/42", fold, "regex"},
		{"/Orders/1", fold, "other"},
		{"/%41DMIN/x", fold, "prefix"},
		{"/ADMIN%2Fx", pathnorm.Options{DecodeAmbiguous: true, FoldCase: true}, "prefix"},
		{"/admin/x", pathnorm.Options{}, ""},
		{"/Admin/x", pathnorm.Options{}, "prefix"},
		{"/ROOT", pathnorm.Options{}, ""},
	} {
		for _, pol := range []*Policy{p, full} {
			req := rq{path: tc.path}.build()
			req.SetPathOptions(tc.o)
			if d := pol.OnRequest(req); d.Rule != tc.rule {
				t.Errorf("%s %+v: rule %q (%s), want %q", tc.path, tc.o, d.Rule, d.Reason, tc.rule)
			}
		}
	}
	if d := p.OnRequest(rq{path: "/a%2Fb"}.build()); d.Reply.Status != 400 || d.Reason != policy.ReasonAmbiguousPath {
		t.Errorf("ambiguous path: %+v", d)
	}
}
