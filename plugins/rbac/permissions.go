package rbac

import (
	"regexp"
	"strings"

	"github.com/wasmward/wasmward/shared/config"
)

// methodMatcher: "method" — the request method is one of the list (case-sensitive).
type methodMatcher []string

var methodRE = regexp.MustCompile(`^[A-Z][A-Z0-9_-]{0,31}$`)

func (c *compiler) method(path string, ms []string) matcher {
	if len(ms) == 0 {
		c.add(path, "must not be empty")
	}
	seen := map[string]bool{}
	for i, m := range ms {
		if !methodRE.MatchString(m) {
			c.add(config.Index(path, i), "must be an upper-case HTTP method")
		}
		if seen[m] {
			c.add(config.Index(path, i), "duplicate method %q", m)
		}
		seen[m] = true
	}
	return methodMatcher(ms)
}

func (m methodMatcher) match(c *evalCtx) bool {
	for _, want := range m {
		if c.req.Method == want {
			return true
		}
	}
	return false
}

// pathMatcher: "path" — the path without its query string, as the proxy normalized it.
type pathMatcher struct{ m strMatcher }

func (c *compiler) path(path string, s *StringSpec) matcher {
	m := c.str(path, s, true)
	if (m.op == opExact || m.op == opPrefix) && !strings.HasPrefix(m.s, "/") {
		c.add(path, "a path must start with /")
	}
	return pathMatcher{m}
}

func (m pathMatcher) match(c *evalCtx) bool { return m.m.match(c.path) }

// hostMatcher: "host" — the :authority without its port, case-insensitive.
type hostMatcher struct{ m strMatcher }

func (c *compiler) host(path string, s *StringSpec) matcher {
	m := c.str(path, s, false)
	if m.op != opRegex {
		m.ignoreCase = true
	}
	return hostMatcher{m}
}

func (m hostMatcher) match(c *evalCtx) bool {
	h, _ := splitAuthority(c.req.Authority)
	return m.m.match(h)
}

// portMatcher: "port" — the :authority's port, or the scheme's default (https 443, http 80).
type portMatcher []int

func (c *compiler) port(path string, ps []int) matcher {
	if len(ps) == 0 {
		c.add(path, "must not be empty")
	}
	for i, p := range ps {
		if p < 1 || p > 65535 {
			c.add(config.Index(path, i), "must be a port (1-65535)")
		}
	}
	return portMatcher(ps)
}

func (m portMatcher) match(c *evalCtx) bool {
	_, port := splitAuthority(c.req.Authority)
	if port == 0 {
		switch c.req.Scheme {
		case "https":
			port = 443
		case "http":
			port = 80
		}
	}
	for _, want := range m {
		if port == want {
			return true
		}
	}
	return false
}

// splitAuthority splits "host:port" or "[v6]:port"; port 0 when absent or invalid.
func splitAuthority(a string) (host string, port int) {
	i := strings.LastIndexByte(a, ':')
	if i < 0 || strings.IndexByte(a[i:], ']') >= 0 {
		return a, 0
	}
	host, ps := a[:i], a[i+1:]
	if len(ps) == 0 || len(ps) > 5 {
		return host, 0
	}
	for j := 0; j < len(ps); j++ {
		if ps[j] < '0' || ps[j] > '9' {
			return host, 0
		}
		port = port*10 + int(ps[j]-'0')
	}
	if port > 65535 {
		port = 0
	}
	return host, port
}
