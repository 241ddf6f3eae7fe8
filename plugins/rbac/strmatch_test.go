package rbac

import (
	"regexp"
	"testing"

	"github.com/wasmward/wasmward/shared/config"
)

// TestRegexPrefixShortcutIsExact: a regex matcher, and its case-folded form for
// paths.caseInsensitive, answer every value as their anchored regexps do; the literal-prefix
// shortcut only skips values that cannot match (case-insensitive patterns, alternations, values
// with the prefix but no match, non-ASCII and empty values).
func TestRegexPrefixShortcutIsExact(t *testing.T) {
	patterns := []struct {
		expr       string
		ignoreCase bool
	}{
		{"/v[0-9]+/billing/.*", false}, {"/v[0-9]+/billing/.*", true}, {"abc|abd", false},
		{"ABC|abd", true}, {".*x", false}, {"/api/.*", false}, {"ſtate", true}, {"é+", false},
	}
	values := []string{"", "/", "/v", "/v1/billing/x", "/V1/BILLING/x", "/v1/billing", "/orders/7", "abc",
		"ABD", "abx", "xx", "/api/", "/API/x", "state", "STATE", "ſtate", "é", "ééé", "e"}
	for _, p := range patterns {
		var es config.Errors
		c := &compiler{es: &es, owner: "test"}
		expr := p.expr
		m := c.str("path", &StringSpec{Regex: &expr, IgnoreCase: p.ignoreCase}, false)
		if es.Err() != nil {
			t.Fatalf("%q: %v", p.expr, es.Err())
		}
		full := p.expr
		if p.ignoreCase {
			full = "(?i)" + full
		}
		re := regexp.MustCompile("^(?:" + full + ")$")
		folded, foldedRe := foldedPath(m), regexp.MustCompile("(?i)"+re.String()) // paths.caseInsensitive
		for _, v := range values {
			if got, want := m.match(v), re.MatchString(v); got != want {
				t.Errorf("%q (ignoreCase %v) on %q: match = %v, the regexp says %v", p.expr, p.ignoreCase, v, got, want)
			}
			if got, want := folded.match(v), foldedRe.MatchString(v); got != want {
				t.Errorf("%q (ignoreCase %v) folded, on %q: match = %v, the regexp says %v", p.expr, p.ignoreCase, v, got, want)
			}
		}
	}
}
