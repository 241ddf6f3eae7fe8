package rbac

import (
	"regexp"

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

// portMatcher: "port" — the port the request arrived on (the listener's: property
// destination.port), never the client-written :authority's.
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
	port := c.req.DestinationPort()
	if port == 0 {
		c.missing = true
		return false
	}
	for _, want := range m {
		if port == want {
			return true
		}
	}
	return false
}
