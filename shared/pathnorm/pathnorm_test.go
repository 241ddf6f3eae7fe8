package pathnorm

import (
	"errors"
	"strings"
	"testing"
)

var (
	reject    = Options{}
	normalize = Options{DecodeAmbiguous: true}
	fold      = Options{FoldCase: true}
)

func TestPath(t *testing.T) {
	for _, tc := range []struct {
		in   string
		o    Options
		want string
		err  error
	}{
		// Already normal: returned as is.
		{"/", reject, "/", nil},
		{"/admin", reject, "/admin", nil},
		{"/admin/", reject, "/admin/", nil},
		{"/a/b.json?x=1&y=/../z", reject, "/a/b.json?x=1&y=/../z", nil},
		{"", reject, "", nil},
		{"*", reject, "*", nil},
		{"/.well-known/x", reject, "/.well-known/x", nil},
		{"/caf%C3%A9", reject, "/caf%C3%A9", nil},
		// Slashes, dot segments (RFC 3986 §5.2.4).
		{"//admin", reject, "/admin", nil},
		{"///admin//x//", reject, "/admin/x/", nil},
		{"/public/../admin", reject, "/admin", nil},
		{"/public/./../admin/", reject, "/admin/", nil},
		{"/../../admin", reject, "/admin", nil},
		{"/a/b/..", reject, "/a/", nil},
		{"/a/b/.", reject, "/a/b/", nil},
		{"/..", reject, "/", nil},
		{"/.", reject, "/", nil},
		{"/a/..?q=1", reject, "/?q=1", nil},
		// Unreserved escapes decoded, others kept with upper-case hex.
		{"/%61dmin", reject, "/admin", nil},
		{"/%41DMIN", reject, "/ADMIN", nil},
		{"/%2e%2e/admin", reject, "/admin", nil},
		{"/public/%2E%2E/admin", reject, "/admin", nil},
		{"/public/.%2e/admin", reject, "/admin", nil},
		{"/%7euser", reject, "/~user", nil},
		{"/admin%20x", reject, "/admin%20x", nil},
		{"/a%3fb", reject, "/a%3Fb", nil},
		{"/a%23b", reject, "/a%23b", nil},
		{"/caf%c3%a9", reject, "/caf%C3%A9", nil},
		// Path parameters.
		{"/admin;param", reject, "/admin", nil},
		{"/admin;x=1/y;z", reject, "/admin/y", nil},
		{"/admin/..;/x", reject, "/x", nil},
		{"/public/..;/admin", reject, "/admin", nil},
		{"/public/..;jsessionid=1/admin", reject, "/admin", nil},
		{"/;x/admin", reject, "/admin", nil},
		{"/admin/;x", reject, "/admin/", nil},
		{"/.;/admin", reject, "/admin", nil},
		// Backslashes.
		{"/public\\..\\admin", reject, "/admin", nil},
		{"/admin\\x", reject, "/admin/x", nil},
		{"/\\admin", reject, "/admin", nil},
		// Trailing dots.
		{"/admin.", reject, "/admin", nil},
		{"/admin./", reject, "/admin/", nil},
		{"/admin../x", reject, "/admin/x", nil},
		{"/admin%2E", reject, "/admin", nil},
		{"/a/.../b", reject, "/a/b", nil},
		{"/a/....", reject, "/a/", nil},
		{"/v1.2/x", reject, "/v1.2/x", nil},
		// Case folding.
		{"/ADMIN", reject, "/ADMIN", nil},
		{"/ADMIN", fold, "/admin", nil},
		{"/Caf%c3%a9/X?Q=A", fold, "/caf%C3%A9/x?Q=A", nil},
		{"/%41dmin", fold, "/admin", nil},
		// Ambiguous encodings: refused by default.
		{"/admin%2Fx", reject, "", ErrAmbiguous},
		{"/public%2F..%2Fadmin", reject, "", ErrAmbiguous},
		{"/admin%5cx", reject, "", ErrAmbiguous},
		{"/%2561dmin", reject, "", ErrAmbiguous},
		{"/admin%3Bx", reject, "", ErrAmbiguous},
		{"/admin%", reject, "", ErrAmbiguous},
		{"/admin%4", reject, "", ErrAmbiguous},
		{"/admin%zz", reject, "", ErrAmbiguous},
		// ... or decoded, then normalized.
		{"/admin%2Fx", normalize, "/admin/x", nil},
		{"/public%2F..%2Fadmin", normalize, "/admin", nil},
		{"/public%5C..%5Cadmin", normalize, "/admin", nil},
		{"/%2561dmin", normalize, "/admin", nil},
		{"/%252561dmin", normalize, "/admin", nil},
		{"/%25252561dmin", normalize, "", ErrMalformed},
		{"/admin%3Bx", normalize, "/admin", nil},
		{"/public%3B/../admin", normalize, "/admin", nil},
		{"/admin%zz", normalize, "/admin%zz", nil},
		{"/admin%", normalize, "/admin%", nil},
		{"/%%341", normalize, "/A", nil},
		{"/%253F", normalize, "/%3F", nil},
		{"/%2500", normalize, "", ErrMalformed},
		// Malformed in either mode.
		{"admin", reject, "", ErrMalformed},
		{"\\admin", reject, "", ErrMalformed},
		{"http://x/admin", normalize, "", ErrMalformed},
		{"/admin%00", reject, "", ErrMalformed},
		{"/admin%00", normalize, "", ErrMalformed},
		{"/admin%0a", reject, "", ErrMalformed},
		{"/admin\x00", reject, "", ErrMalformed},
		{"/admin\t", reject, "", ErrMalformed},
		{"/admin x", reject, "", ErrMalformed},
		{"/admin#x", normalize, "", ErrMalformed},
		{"/admin%7F", normalize, "", ErrMalformed},
	} {
		got, err := Path(tc.in, tc.o)
		if !errors.Is(err, tc.err) || got != tc.want {
			t.Errorf("Path(%q, %+v) = %q, %v; want %q, %v", tc.in, tc.o, got, err, tc.want, tc.err)
		}
	}
}

func TestHost(t *testing.T) {
	for in, want := range map[string]string{
		"api.example.com":          "api.example.com",
		"api.example.com.":         "api.example.com",
		"API.Example.COM.:8443":    "api.example.com",
		"api.example.com:443":      "api.example.com",
		"x.example.com.":           "x.example.com",
		"api.example.com..":        "api.example.com.",
		"[2001:DB8::1]:443":        "[2001:db8::1]",
		"[::1]":                    "[::1]",
		"":                         "",
		"localhost:":               "localhost",
		"xn--bcher-kva.example.":   "xn--bcher-kva.example",
		"UPPER-only-at-END.EXAMPL": "upper-only-at-end.exampl",
	} {
		if got := Host(in); got != want {
			t.Errorf("Host(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalPathDoesNotAllocate(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _, _ = Path("/orders/42/items?x=1", fold) }); n != 0 {
		t.Errorf("a normal path allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = Host("api.example.com.:443") }); n != 0 {
		t.Errorf("a lower-case host allocates %v times", n)
	}
}

// FuzzNormalize: Path never panics; a result starts with '/' (unless "" or "*"), holds no "//",
// no dot segment, no segment ending in '.', no ';' and no backslash (in the path part), has no
// upper-case letter outside escapes when folding, and is a fixed point (idempotent).
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"/", "//admin", "/%61dmin", "/admin/..;/x", "/public/../admin", "/admin;param",
		"/ADMIN", "/a%2Fb", "/a\\b", "/admin.", "/admin./", "/%2561dmin", "/%%341", "/a/...?q=/../", "/x%zz/.%2e/y",
		"/%252525", "/a%2e%2E%3b/b", "*", ""} {
		f.Add(s, false, false)
		f.Add(s, true, true)
	}
	f.Fuzz(func(t *testing.T, in string, decodeAmbiguous, foldCase bool) {
		o := Options{DecodeAmbiguous: decodeAmbiguous, FoldCase: foldCase}
		out, err := Path(in, o)
		if err != nil {
			if !errors.Is(err, ErrAmbiguous) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("unexpected error %v", err)
			}
			if out != "" {
				t.Fatalf("error with a result %q", out)
			}
			return
		}
		p, q, _ := strings.Cut(out, "?")
		_, inQ, _ := strings.Cut(in, "?")
		if q != inQ {
			t.Fatalf("query changed: %q -> %q", in, out)
		}
		if p == "" || p == "*" {
			if out != in {
				t.Fatalf("%q changed to %q", in, out)
			}
			return
		}
		if p[0] != '/' {
			t.Fatalf("%q -> %q: does not start with /", in, out)
		}
		for _, bad := range []string{"//", "/./", "/../", ";", "\\", "./"} {
			if strings.Contains(p, bad) {
				t.Fatalf("%q -> %q: contains %q", in, out, bad)
			}
		}
		if strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..") || strings.HasSuffix(p, ".") {
			t.Fatalf("%q -> %q: ends with a dot", in, out)
		}
		if foldCase {
			for i := 0; i < len(p); i++ {
				if p[i] == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]) {
					i += 2
				} else if isUpper(p[i]) {
					t.Fatalf("%q -> %q: upper case", in, out)
				}
			}
		}
		again, err := Path(out, o)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, out, again, err)
		}
	})
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{"/Admin/%C3%A9X": "/admin/%C3%A9x", "/a": "/a", "/%zZ": "/%zz", "": ""} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
