package audit_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/shared/audit"
)

func TestEncode(t *testing.T) {
	l := audit.Line{Time: time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC), Plugin: "rbac", Decision: "deny",
		Rule: "admins", Reason: "no_match", Status: 403, Path: "/x"}
	assert.Equal(t, `{"time":"2026-01-02T03:04:05.006Z","plugin":"rbac","decision":"deny","shadow":false,"rule":"admins","reason":"no_match","status":403,"path":"/x"}`,
		string(l.Encode()))
}

func TestPathDropsQueryAndBoundsLength(t *testing.T) {
	assert.Equal(t, "/orders/7", audit.Path("/orders/7?access_token=SECRET"))
	assert.Equal(t, "/a", audit.Path("/a#frag"))
	long := audit.Path("/" + strings.Repeat("x", 1000))
	assert.LessOrEqual(t, len(long), audit.MaxPathLen+len("…"))
}

func TestExcerptIsSafe(t *testing.T) {
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 64, "plain"},
		{"a\r\nb", 64, "a??b"},
		{"\x00\x7f", 64, "??"},
		{"bad\xffutf8", 64, "bad\uFFFDutf8"},
		{"<script>", 64, "<script>"},
		{"ééééé", 5, "éé…"},
		{strings.Repeat("a", 10), 4, "aaaa…"},
	}
	for _, c := range cases {
		got := audit.Excerpt(c.in, c.max)
		assert.Equal(t, c.want, got, "input %q", c.in)
		assert.True(t, utf8.ValidString(got))
	}
	// JSON-encoding an excerpt keeps it on one line.
	b, _ := json.Marshal(audit.Excerpt("x\n\"y", 64))
	assert.NotContains(t, string(b), "\n")
}

func TestPrincipalAndRedact(t *testing.T) {
	p := audit.Principal("https://issuer", "alice@example.com")
	assert.Regexp(t, `^p:[0-9a-f]{16}$`, p)
	assert.Equal(t, p, audit.Principal("https://issuer", "alice@example.com"), "stable")
	assert.NotEqual(t, p, audit.Principal("https://other", "alice@example.com"), "issuer-scoped")
	assert.NotContains(t, p, "alice")
	assert.Empty(t, audit.Principal("i", ""))

	r := audit.Redact("eyJhbGciOiJIUzI1NiJ9.secret")
	assert.NotContains(t, r, "secret")
	assert.Contains(t, r, "len=27")
}

func FuzzExcerpt(f *testing.F) {
	f.Add("hello\x00\xff", 3)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1<<16 {
			return
		}
		got := audit.Excerpt(s, max)
		require.True(t, utf8.ValidString(got))
		require.NotContains(t, got, "\n")
	})
}
