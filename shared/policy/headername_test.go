package policy

import (
	"strings"
	"testing"
)

// TestLowerName: the common-name shortcut and the arena give what strings.ToLower gives, for the
// names it knows in any case, and for decoys: a Kelvin sign or long s that Unicode case folding
// takes for k or s, a name one letter off, non-ASCII. Names lowered into one arena keep their
// bytes while later ones are lowered into it, past its first array too.
func TestLowerName(t *testing.T) {
	names := []string{"Host", "HOST", "host", "User-Agent", "uSER-aGENT", "Content-Type", "X-Forwarded-For",
		"Hos\u212a", "Coo\u212aie", "Ho\u017Ft", "Hosts", "Hos", "X-Custom", "Ünïcode-Header", "", ":path", "Set-Cookie",
		"Sec-Fetch-Mode", strings.Repeat("X-Long-Name-", 30)}
	for _, c := range commonNames {
		names = append(names, strings.ToUpper(c))
	}
	for i := range 40 {
		names = append(names, "X-Tenant-"+strings.Repeat("Id", i))
	}
	var arena []byte
	got := make([]string, len(names))
	for i, n := range names {
		got[i] = lowerName(n, &arena)
	}
	for i, n := range names {
		if want := strings.ToLower(n); got[i] != want {
			t.Errorf("lowerName(%q) = %q, want %q", n, got[i], want)
		}
	}
}

func FuzzLowerName(f *testing.F) {
	f.Add("User-Agent")
	f.Add("Hos\u212a")
	f.Add("X-Tenant-Id")
	f.Fuzz(func(t *testing.T, n string) {
		var arena []byte
		first := lowerName("X-First-Name", &arena) // lowered into the arena before n
		if got, want := lowerName(n, &arena), strings.ToLower(n); got != want {
			t.Fatalf("lowerName(%q) = %q, want %q", n, got, want)
		}
		if first != "x-first-name" {
			t.Fatalf("an earlier name in the arena became %q", first)
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
	// A browser's or an API's uncommon names share an arena: four of them one more allocation,
	// and eight of them too (107 bytes).
	pairs = append(pairs, [2]string{"Sec-Fetch-Mode", "navigate"}, [2]string{"Sec-Fetch-Site", "none"},
		[2]string{"X-Tenant-Id", "t1"}, [2]string{"X-Device-Class", "managed"})
	if n := testing.AllocsPerRun(100, func() { r = Request{}; InitRequest(&r, pairs, nil, nil) }); n != 2 {
		t.Errorf("%v allocations per request with four uncommon names, want 2", n)
	}
	pairs = append(pairs, [2]string{"Sec-Fetch-Dest", "document"}, [2]string{"Sec-Fetch-User", "?1"},
		[2]string{"Sec-Ch-Ua-Platform", "Linux"}, [2]string{"Priority", "u=0, i"})
	if n := testing.AllocsPerRun(100, func() { r = Request{}; InitRequest(&r, pairs, nil, nil) }); n != 2 {
		t.Errorf("%v allocations per request with eight uncommon names, want 2", n)
	}
	for _, h := range [][2]string{{"sec-fetch-mode", "navigate"}, {"sec-fetch-site", "none"}, {"sec-fetch-dest", "document"},
		{"x-tenant-id", "t1"}, {"x-device-class", "managed"}, {"sec-fetch-user", "?1"}, {"sec-ch-ua-platform", "Linux"},
		{"priority", "u=0, i"}} {
		if v, _ := r.Headers.Get(h[0]); v != h[1] {
			t.Errorf("%s = %q, want %q", h[0], v, h[1])
		}
	}
}
