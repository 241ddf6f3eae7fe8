package jwtauthn

import (
	"strings"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/pathnorm"
)

// rule is a compiled RuleSpec.
type rule struct {
	id       string
	hosts    []string // lower case, no trailing dot; "*.example.com" matches subdomains
	methods  []string
	path     pathMatcher
	folded   pathMatcher  // path with its patterns case-folded, for paths.caseInsensitive
	requires *requirement // nil: no token needed (the rule only strips claim headers)
	scopes   []string
}

// pathMatcher matches the normalized path (policy.Request.NormalizedPath). Prefixes are
// segment-aligned: "/api" matches "/api" and "/api/x", not "/apix". Template segments: "*" one
// segment, a final "**" the rest.
type pathMatcher struct {
	exact, prefix string
	template      []string
}

func compileRule(es *config.Errors, path string, rs RuleSpec, providers map[string]*provider) *rule {
	es.CheckID(config.JoinPath(path, "id"), rs.ID)
	r := &rule{id: rs.ID, methods: rs.Match.Methods, scopes: rs.Scopes}
	mp := config.JoinPath(path, "match")
	for i, h := range rs.Match.Hosts {
		if h == "" || strings.ContainsAny(h, "/ ") || strings.Contains(h[1:], "*") || h[0] == '*' && !strings.HasPrefix(h, "*.") {
			es.Add(config.Index(config.JoinPath(mp, "hosts"), i), `must be a host name, optionally starting with "*."`)
		}
		r.hosts = append(r.hosts, strings.TrimSuffix(strings.ToLower(h), "."))
	}
	for i, m := range rs.Match.Methods {
		if m == "" || strings.ToUpper(m) != m {
			es.Add(config.Index(config.JoinPath(mp, "methods"), i), "must be an upper-case method name")
		}
	}
	if ps := rs.Match.Path; ps != nil {
		pp := config.JoinPath(mp, "path")
		n := 0
		for _, v := range []string{ps.Exact, ps.Prefix, ps.Template} {
			if v != "" {
				n++
				if v[0] != '/' {
					es.Add(pp, "must start with /")
				}
			}
		}
		if n != 1 {
			es.Add(pp, "needs exactly one of exact, prefix, template")
		}
		r.path = pathMatcher{exact: ps.Exact, prefix: strings.TrimSuffix(ps.Prefix, "/")}
		if ps.Template != "" {
			r.path.template = strings.Split(ps.Template[1:], "/")
			for i, seg := range r.path.template {
				if strings.Contains(seg, "*") && seg != "*" && (seg != "**" || i != len(r.path.template)-1) {
					es.Add(config.JoinPath(pp, "template"), `"*" must be a whole segment; "**" only the last`)
				}
			}
		}
	}
	r.folded = r.path.fold()
	for i, s := range rs.Scopes {
		if s == "" || strings.ContainsAny(s, " \t") {
			es.Add(config.Index(config.JoinPath(path, "scopes"), i), "must be one scope, without spaces")
		}
	}
	if rs.Requires != nil {
		r.requires = compileRequirement(es, config.JoinPath(path, "requires"), *rs.Requires, providers, 1)
	} else if len(rs.Scopes) > 0 {
		es.Add(config.JoinPath(path, "scopes"), "needs requires (scopes come from a verified token)")
	}
	return r
}

// matches reports whether the rule selects a request with this method, normalized host and
// normalized path (policy.Request.NormalizedHost and NormalizedPath). fold (the envelope's
// paths.caseInsensitive: the path is lower-cased) compares with the case-folded patterns.
func (r *rule) matches(method, host, path string, fold bool) bool {
	if len(r.methods) > 0 && !contains(r.methods, method) {
		return false
	}
	if len(r.hosts) > 0 && !r.matchHost(host) {
		return false
	}
	if fold {
		return r.folded.match(path)
	}
	return r.path.match(path)
}

func (r *rule) matchHost(host string) bool {
	for _, want := range r.hosts {
		if suffix, ok := strings.CutPrefix(want, "*"); ok {
			if len(host) > len(suffix) && strings.HasSuffix(host, suffix) {
				return true
			}
		} else if host == want {
			return true
		}
	}
	return false
}

// fold returns m with its patterns case-folded as pathnorm folds paths.
func (m pathMatcher) fold() pathMatcher {
	f := pathMatcher{exact: pathnorm.Fold(m.exact), prefix: pathnorm.Fold(m.prefix)}
	for _, seg := range m.template {
		f.template = append(f.template, pathnorm.Fold(seg))
	}
	return f
}

// match reports whether path matches. A pointer receiver: in Go on Wasm a copy of anything over
// 16 bytes is a host call (memory.copy), and rules are matched on every request.
func (m *pathMatcher) match(path string) bool {
	switch {
	case m.exact != "":
		return path == m.exact
	case m.prefix != "":
		n := len(m.prefix)
		return strings.HasPrefix(path, m.prefix) && (len(path) == n || path[n] == '/')
	case m.template != nil:
		if path == "" || path[0] != '/' {
			return false
		}
		// The segments of path[1:] split at every "/", taken one by one (no slice per request).
		rest, more := path[1:], true
		for _, want := range m.template {
			if want == "**" {
				return true
			}
			if !more {
				return false
			}
			var seg string
			seg, rest, more = strings.Cut(rest, "/")
			if want == "*" && seg == "" || want != "*" && want != seg {
				return false
			}
		}
		return !more
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// requirement is a compiled RequirementSpec.
type requirement struct {
	provider             *provider
	anyOf, allOf         []*requirement
	allowMissing         bool
	allowMissingOrFailed bool
}

func compileRequirement(es *config.Errors, path string, rs RequirementSpec, providers map[string]*provider, depth int) *requirement {
	r := &requirement{allowMissing: rs.AllowMissing, allowMissingOrFailed: rs.AllowMissingOrFailed}
	n := 0
	if rs.Provider != "" {
		n++
		if r.provider = providers[rs.Provider]; r.provider == nil {
			es.Add(config.JoinPath(path, "provider"), "names no provider")
		}
	}
	for _, list := range []struct {
		name  string
		specs []RequirementSpec
		out   *[]*requirement
	}{{"anyOf", rs.AnyOf, &r.anyOf}, {"allOf", rs.AllOf, &r.allOf}} {
		if list.specs == nil {
			continue
		}
		n++
		lp := config.JoinPath(path, list.name)
		if len(list.specs) == 0 {
			es.Add(lp, "needs at least one requirement")
		}
		if depth >= maxRequirementDepth {
			es.Add(lp, "nests deeper than %d levels", maxRequirementDepth)
			continue
		}
		for i, sub := range list.specs {
			*list.out = append(*list.out, compileRequirement(es, config.Index(lp, i), sub, providers, depth+1))
		}
	}
	if n != 1 {
		es.Add(path, "needs exactly one of provider, anyOf, allOf")
	}
	if rs.AllowMissing && rs.AllowMissingOrFailed {
		es.Add(config.JoinPath(path, "allowMissing"), "conflicts with allowMissingOrFailed (which includes it)")
	}
	return r
}
