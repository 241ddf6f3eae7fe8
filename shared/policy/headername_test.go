package policy

import (
	"strings"
	"testing"
)

// TestLowerName: the common-name shortcut gives what strings.ToLower gives, for the names it
// knows in any case, and for decoys: a Kelvin sign or long s that Unicode case folding takes for
// k or s, a name one letter off, non-ASCII.
func TestLowerName(t *testing.T) {
	names := []string{"Host", "HOST", "host", "User-Agent", "uSER-aGENT", "Content-Type", "X-Forwarded-For",
		"Hos\u212a", "Coo\u212aie", "Ho\u017Ft", "Hosts", "Hos", "X-Custom", "Ünïcode-Header", "", ":path", "Set-Cookie"}
	for _, c := range commonNames {
		names = append(names, strings.ToUpper(c))
	}
	for _, n := range names {
		if got, want := lowerName(n), strings.ToLower(n); got != want {
			t.Errorf("lowerName(%q) = %q, want %q", n, got, want)
		}
	}
}

func FuzzLowerName(f *testing.F) {
	f.Add("User-Agent")
	f.Add("Hos\u212a")
	f.Fuzz(func(t *testing.T, n string) {
		if got, want := lowerName(n), strings.ToLower(n); got != want {
			t.Fatalf("lowerName(%q) = %q, want %q", n, got, want)
		}
	})
}

// TestInitRequestAllocs: building a request from a client's capitalized common headers
// allocates its header list only.
func TestInitRequestAllocs(t *testing.T) {
	pairs := [][2]string{{":method", "GET"}, {":path", "/"}, {"Host", "a.example"}, {"User-Agent", "x"}, {"Accept", "*/*"}}
	var r Request
	if n := testing.AllocsPerRun(100, func() { r = Request{}; InitRequest(&r, pairs, nil, nil) }); n != 1 {
		t.Errorf("%v allocations per request, want 1", n)
	}
	if v, _ := r.Headers.Get("user-agent"); v != "x" {
		t.Errorf("user-agent = %q", v)
	}
}
