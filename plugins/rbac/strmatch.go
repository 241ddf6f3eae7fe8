package rbac

import (
	"regexp"
	"strings"

	"github.com/wasmward/wasmward/shared/config"
)

// strOp is a string matcher's operator.
type strOp uint8

const (
	opExact strOp = iota
	opPrefix
	opSuffix
	opContains
	opRegex
	opTemplate
)

// strMatcher is a compiled StringSpec.
type strMatcher struct {
	op         strOp
	s          string
	ignoreCase bool
	re         *regexp.Regexp
	rePrefix   string   // re.LiteralPrefix(): every match starts with it (see match)
	tmpl       []string // template segments ("*" one segment, "**" the rest)
}

// setRegexp makes re the matcher's regexp, with its literal prefix.
func (m *strMatcher) setRegexp(re *regexp.Regexp) {
	m.re = re
	m.rePrefix, _ = re.LiteralPrefix()
}

// maxPattern bounds a configured string or regex.
const maxPattern = 4096

// str compiles a StringSpec; template is allowed only for paths.
func (c *compiler) str(path string, s *StringSpec, allowTemplate bool) strMatcher {
	type cand struct {
		key string
		v   *string
		op  strOp
	}
	var set []cand
	for _, x := range []cand{{"exact", s.Exact, opExact}, {"prefix", s.Prefix, opPrefix},
		{"suffix", s.Suffix, opSuffix}, {"contains", s.Contains, opContains},
		{"regex", s.Regex, opRegex}, {"template", s.Template, opTemplate}} {
		if x.v != nil {
			set = append(set, x)
		}
	}
	if len(set) != 1 {
		keys := "exact, prefix, suffix, contains, regex"
		if allowTemplate {
			keys += ", template"
		}
		c.add(path, "set exactly one of %s", keys)
		return strMatcher{op: opExact, s: "\x00never"}
	}
	x := set[0]
	sub := config.JoinPath(path, x.key)
	m := strMatcher{op: x.op, s: *x.v, ignoreCase: s.IgnoreCase}
	if len(m.s) > maxPattern {
		c.add(sub, "longer than %d bytes", maxPattern)
		return m
	}
	if x.op != opExact && m.s == "" {
		c.add(sub, "must not be empty")
	}
	switch x.op {
	case opRegex:
		expr := m.s
		if s.IgnoreCase {
			expr = "(?i)" + expr
		}
		re, err := regexp.Compile("^(?:" + expr + ")$")
		if err != nil {
			c.add(sub, "invalid regex: %v", err)
			return strMatcher{op: opExact, s: "\x00never"}
		}
		m.setRegexp(re)
	case opTemplate:
		if !allowTemplate {
			c.add(sub, "template is only allowed for paths")
			return m
		}
		m.tmpl = c.template(sub, m.s)
	}
	return m
}

// template splits a path template into segments and checks it.
func (c *compiler) template(path, t string) []string {
	if !strings.HasPrefix(t, "/") {
		c.add(path, "must start with /")
		return nil
	}
	segs := strings.Split(t[1:], "/")
	for i, seg := range segs {
		if seg == "**" && i != len(segs)-1 {
			c.add(path, "** is only allowed as the last segment")
		}
		if strings.Contains(seg, "*") && seg != "*" && seg != "**" {
			c.add(path, "a wildcard must be a whole segment (%q)", seg)
		}
	}
	return segs
}

// match reports whether v matches.
func (m *strMatcher) match(v string) bool {
	switch m.op {
	case opExact:
		if m.ignoreCase {
			return strings.EqualFold(v, m.s)
		}
		return v == m.s
	case opPrefix:
		if len(v) < len(m.s) {
			return false
		}
		if m.ignoreCase {
			return strings.EqualFold(v[:len(m.s)], m.s)
		}
		return v[:len(m.s)] == m.s
	case opSuffix:
		if len(v) < len(m.s) {
			return false
		}
		if m.ignoreCase {
			return strings.EqualFold(v[len(v)-len(m.s):], m.s)
		}
		return v[len(v)-len(m.s):] == m.s
	case opContains:
		if !m.ignoreCase {
			return strings.Contains(v, m.s)
		}
		for i := 0; i+len(m.s) <= len(v); i++ {
			if strings.EqualFold(v[i:i+len(m.s)], m.s) {
				return true
			}
		}
		return false
	case opRegex:
		// A value without the literal prefix every match starts with cannot match: answered
		// without the regexp machine, whose setup alone was about 2 µs per call in Go on Wasm
		// (nginx, full.json's path regex on every other path).
		return strings.HasPrefix(v, m.rePrefix) && m.re.MatchString(v)
	case opTemplate:
		return matchTemplate(m.tmpl, v, m.ignoreCase)
	}
	return false
}

// matchTemplate matches a path (no query) against template segments without allocating:
// "*" matches exactly one non-empty segment, "**" (last) one or more remaining segments.
func matchTemplate(tmpl []string, path string, ignoreCase bool) bool {
	if len(path) == 0 || path[0] != '/' {
		return false
	}
	rest := path[1:]
	for i, want := range tmpl {
		if want == "**" && i == len(tmpl)-1 {
			return rest != ""
		}
		seg := rest
		next := ""
		last := true
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			seg, next, last = rest[:j], rest[j+1:], false
		}
		switch {
		case want == "*":
			if seg == "" {
				return false
			}
		case ignoreCase:
			if !strings.EqualFold(seg, want) {
				return false
			}
		default:
			if seg != want {
				return false
			}
		}
		if i == len(tmpl)-1 {
			return last
		}
		if last {
			return false
		}
		rest = next
	}
	return false
}
