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
		string(new(audit.Encoder).Encode(&l)))
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

// reference is the encoding Encode must reproduce byte for byte: encoding/json over the line.
func reference(l *audit.Line) []byte {
	type wire struct {
		Time string `json:"time"`
		*audit.Line
	}
	b, err := json.Marshal(wire{Time: l.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00"), Line: l})
	if err != nil {
		panic(err)
	}
	return b
}

// TestEncodeAsEncodingJSON: one Encoder, lines of different and equal seconds in turn.
func TestEncodeAsEncodingJSON(t *testing.T) {
	var e audit.Encoder
	for _, l := range []audit.Line{
		{},
		{Time: time.Date(2026, 12, 31, 23, 59, 59, 999999999, time.FixedZone("x", 3600)), Plugin: "jwtauthn",
			Decision: "allow", Shadow: true, RequestID: "a<b>&c", Route: "r\u2028", Method: "GET",
			Path: "/é\"\\\x01", Principal: "p:0011223344556677", Status: 200},
		{Time: time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC), Plugin: "rbac", Decision: "deny", Reason: "bad\xff",
			Details: map[string]string{"z": "1", "a": "\n", "m": ""}},
		{Time: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), Plugin: "x", Decision: "error"},
		{Time: time.Date(-1, 1, 1, 0, 0, 0, 5e8, time.UTC), Plugin: "x", Decision: "error"},
		{Time: time.Date(2026, 12, 31, 22, 59, 59, 1e6, time.UTC), Plugin: "jwtauthn", Decision: "allow"},
		{Time: time.Date(2026, 12, 31, 22, 59, 58, 999e6, time.UTC), Plugin: "jwtauthn", Decision: "allow"},
	} {
		assert.Equal(t, string(reference(&l)), string(e.Encode(&l)))
	}
}

func FuzzEncode(f *testing.F) {
	f.Add("rbac", "deny", "admins", "no_match", "id-1", "", "GET", "/x?y", "p:1", 403, false, int64(1767323045006), "k", "v\x00")
	var e audit.Encoder // shared: the second's text is kept from one input to the next
	f.Fuzz(func(t *testing.T, plugin, decision, rule, reason, id, route, method, path, principal string,
		status int, shadow bool, unixMilli int64, key, value string) {
		l := audit.Line{Time: time.UnixMilli(unixMilli), Plugin: plugin, Decision: decision, Shadow: shadow,
			Rule: rule, Reason: reason, Status: status, RequestID: id, Route: route, Method: method,
			Path: path, Principal: principal}
		if key != "" {
			l.Details = map[string]string{key: value, "reason": reason}
		}
		require.Equal(t, string(reference(&l)), string(e.Encode(&l)))
	})
}

// BenchmarkEncode is an allowed request's line, as the glue fills it.
func BenchmarkEncode(b *testing.B) {
	l := audit.Line{Time: time.Unix(1767323045, 6e6), Plugin: "passthrough", Decision: "allow",
		RequestID: "4f1c2d3e-1111-2222-3333-444455556666", Method: "GET", Path: audit.Path("/orders/17/items/3?x=1")}
	var e audit.Encoder
	b.ReportAllocs()
	for b.Loop() {
		_ = e.Encode(&l)
	}
}
