package jwtauthn

import (
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/config"
)

// TestParseErrors covers the semantic checks a schema cannot express; each error names its field.
func TestParseErrors(t *testing.T) {
	jwks := jwksOf(keyFor("EdDSA"))
	prov := func(id, extra string) string {
		return `{"id":"` + id + `","issuer":"https://idp.example.com","audiences":["api"],"algorithms":["EdDSA"],"jwks":` + jwks + extra + `}`
	}
	rule := `{"id":"r","match":{},"requires":{"provider":"p"}}`
	for _, tc := range []struct{ name, spec, path string }{
		{"rule names an unknown provider", `{"providers":[` + prov("p", "") + `],"rules":[{"id":"r","match":{},"requires":{"provider":"nope"}}]}`, "rules[0].requires.provider"},
		{"duplicate provider ids", `{"providers":[` + prov("p", "") + `,` + prov("p", "") + `],"rules":[` + rule + `]}`, "providers[1].id"},
		{"duplicate rule ids", `{"providers":[` + prov("p", "") + `],"rules":[` + rule + `,` + rule + `]}`, "rules[1].id"},
		{"duplicate member in inline keys", `{"providers":[` + strings.Replace(prov("p", ""), `"kty":"OKP"`, `"kty":"OKP","kty":"OKP"`, 1) + `],"rules":[` + rule + `]}`, "providers[0].jwks.keys[0].kty"},
		{"discovery needs an https issuer", `{"providers":[{"id":"p","issuer":"idp","audiences":["a"],"algorithms":["ES256"],"remote":{"cluster":"c","discovery":true}}],"rules":[` + rule + `]}`, "providers[0].issuer"},
		{"template wildcard inside a segment", `{"providers":[` + prov("p", "") + `],"rules":[{"id":"r","match":{"path":{"template":"/a*/b"}},"requires":{"provider":"p"}}]}`, "rules[0].match.path.template"},
		{"** not last", `{"providers":[` + prov("p", "") + `],"rules":[{"id":"r","match":{"path":{"template":"/**/b"}},"requires":{"provider":"p"}}]}`, "rules[0].match.path.template"},
		{"requirements nested too deep", `{"providers":[` + prov("p", "") + `],"rules":[{"id":"r","match":{},"requires":{"anyOf":[{"anyOf":[{"anyOf":[{"anyOf":[{"provider":"p"}]}]}]}]}}]}`, "rules[0].requires.anyOf[0].anyOf[0].anyOf[0].anyOf"},
		{"allowMissing with allowMissingOrFailed", `{"providers":[` + prov("p", "") + `],"rules":[{"id":"r","match":{},"requires":{"provider":"p","allowMissing":true,"allowMissingOrFailed":true}}]}`, "rules[0].requires.allowMissing"},
		{"host wildcard in the middle", `{"providers":[` + prov("p", "") + `],"rules":[{"id":"r","match":{"hosts":["a.*.com"]},"requires":{"provider":"p"}}]}`, "rules[0].match.hosts[0]"},
		{"lower-case method", `{"providers":[` + prov("p", "") + `],"rules":[{"id":"r","match":{"methods":["get"]},"requires":{"provider":"p"}}]}`, "rules[0].match.methods[0]"},
		{"trailing data", `{"providers":[],"rules":[]} {}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.spec))
			if err == nil {
				t.Fatal("accepted")
			}
			if tc.path == "" {
				return
			}
			for _, fe := range config.Fields(err) {
				if fe.Path == tc.path {
					return
				}
			}
			t.Fatalf("no error at %s: %v", tc.path, err)
		})
	}
}

// TestPathMatching checks exact, segment-aligned prefix and template matching.
func TestPathMatching(t *testing.T) {
	for _, tc := range []struct {
		m    pathMatcher
		path string
		want bool
	}{
		{pathMatcher{exact: "/a"}, "/a", true},
		{pathMatcher{exact: "/a"}, "/a/", false},
		{pathMatcher{prefix: "/api"}, "/api", true},
		{pathMatcher{prefix: "/api"}, "/api/x", true},
		{pathMatcher{prefix: "/api"}, "/apix", false},
		{pathMatcher{template: []string{"users", "*", "orders"}}, "/users/7/orders", true},
		{pathMatcher{template: []string{"users", "*", "orders"}}, "/users//orders", false},
		{pathMatcher{template: []string{"users", "*", "orders"}}, "/users/7/orders/1", false},
		{pathMatcher{template: []string{"users", "*", "**"}}, "/users/7/a/b", true},
		{pathMatcher{template: []string{"users", "*", "**"}}, "/users", false},
		{pathMatcher{}, "/anything", true},
	} {
		if got := tc.m.match(tc.path); got != tc.want {
			t.Errorf("%+v.match(%q) = %v, want %v", tc.m, tc.path, got, tc.want)
		}
	}
}

// splitMatch is template matching as first written, splitting the path: the reference that
// pathMatcher.match, which walks the segments without a slice, must agree with.
func splitMatch(template []string, path string) bool {
	if path == "" || path[0] != '/' {
		return false
	}
	segs := strings.Split(path[1:], "/")
	for i, want := range template {
		if want == "**" {
			return true
		}
		if i >= len(segs) || want != "*" && want != segs[i] || want == "*" && segs[i] == "" {
			return false
		}
	}
	return len(segs) == len(template)
}

// TestTemplateMatchAgreesWithSplit compares the two on every path of up to five characters
// over "/", "a", "b" (empty segments, trailing and doubled slashes included) and templates
// of up to three segments.
func TestTemplateMatchAgreesWithSplit(t *testing.T) {
	var paths []string
	var grow func(p string)
	grow = func(p string) {
		paths = append(paths, p)
		if len(p) < 5 {
			for _, c := range []string{"/", "a", "b"} {
				grow(p + c)
			}
		}
	}
	grow("")
	var templates [][]string
	segs := []string{"a", "b", "*", "**", ""}
	for _, x := range segs {
		templates = append(templates, []string{x})
		for _, y := range segs {
			templates = append(templates, []string{x, y})
			for _, z := range segs {
				templates = append(templates, []string{x, y, z})
			}
		}
	}
	for _, tmpl := range templates {
		m := pathMatcher{template: tmpl}
		for _, p := range paths {
			if got, want := m.match(p), splitMatch(tmpl, p); got != want {
				t.Errorf("template %q, path %q: %v, want %v", tmpl, p, got, want)
			}
		}
	}
}
