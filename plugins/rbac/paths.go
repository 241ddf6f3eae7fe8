package rbac

import (
	"regexp"
	"strings"

	"github.com/wasmward/wasmward/shared/pathnorm"
)

// pathMatcher: "path" — the normalized path without its query string
// (policy.Request.NormalizedPath: "//admin", "/%61dmin", "/public/..;/admin", "/admin." are all
// "/admin"). With the envelope's paths.caseInsensitive the path is lower-cased and folded
// applies: the same matcher made case-insensitive.
type pathMatcher struct{ m, folded strMatcher }

func (c *compiler) path(path string, s *StringSpec) matcher {
	m := c.str(path, s, true)
	if (m.op == opExact || m.op == opPrefix) && !strings.HasPrefix(m.s, "/") {
		c.add(path, "a path must start with /")
	}
	return pathMatcher{m: m, folded: foldedPath(m)}
}

func (m pathMatcher) match(c *evalCtx) bool {
	if c.req.PathOptions().FoldCase {
		return m.folded.match(c.path)
	}
	return m.m.match(c.path)
}

// foldedPath returns m for paths pathnorm folded: literal patterns folded the same way,
// regexes case-insensitive. An ignoreCase matcher already is.
func foldedPath(m strMatcher) strMatcher {
	if m.ignoreCase {
		return m
	}
	m.s = pathnorm.Fold(m.s)
	if m.tmpl != nil {
		tmpl := make([]string, len(m.tmpl))
		for i, seg := range m.tmpl {
			tmpl[i] = pathnorm.Fold(seg)
		}
		m.tmpl = tmpl
	}
	if m.re != nil {
		if re, err := regexp.Compile("(?i)" + m.re.String()); err == nil {
			m.setRegexp(re)
		}
	}
	return m
}

// hostMatcher: "host" — the normalized :authority (policy.Request.NormalizedHost: lower case,
// without port and trailing dot), so regexes see it in lower case too.
type hostMatcher struct{ m strMatcher }

func (c *compiler) host(path string, s *StringSpec) matcher {
	m := c.str(path, s, false)
	if m.op != opRegex {
		m.ignoreCase = true
	}
	return hostMatcher{m}
}

func (m hostMatcher) match(c *evalCtx) bool { return m.m.match(c.req.NormalizedHost()) }
