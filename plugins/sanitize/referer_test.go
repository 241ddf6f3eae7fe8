package sanitize

import (
	"net/url"
	"testing"
)

// urlParseHost is what refererHost stands for: url.Parse's host name, ok false when it refuses
// the value or finds no host.
func urlParseHost(ref string) (string, bool) {
	u, err := url.Parse(ref)
	if err != nil || u.Host == "" {
		return "", false
	}
	return u.Hostname(), true
}

// refererSeeds are Referers of every shape plainURLHost reads or leaves to url.Parse.
var refererSeeds = []string{
	"https://www.example.com/search?q=Acadia", "http://localhost:3000/cb", "https://shop.example/",
	"https://shop.example", "https://shop.example?q=1", "https://shop.example#top", "https://a.example/p%41th",
	"https://a.example/p%zzth", "https://a.example/x?q=%zz", "https://a.example/x#%zz", "https://a.example/x#%41",
	"https://a.example:/x", "https://a.example:8080:1/x", "https://a.example:80x/", "https://user@a.example/",
	"https://[::1]:8080/", "https://a_b.example/", "https://A.Example/", "HTTPS://a.example/", "https://",
	"https:///x", "https://a.example/ x", "https://a.example/\x7f", "https://a.example/é", "ftp://a.example/",
	"//a.example/x", "https://a%2eexample/", "https://a.example?x#y?z", "https://a.example#x?y", "https://-/",
	"https://a.example/?", "http://a.example:65536/", "https://a.example/x/../y", "",
}

// TestPlainURLHost checks refererHost against url.Parse on Referers of every shape.
func TestPlainURLHost(t *testing.T) {
	for _, ref := range refererSeeds {
		host, ok := refererHost(ref)
		wantHost, wantOK := urlParseHost(ref)
		if host != wantHost || ok != wantOK {
			t.Errorf("refererHost(%q) = %q, %v; url.Parse: %q, %v", ref, host, ok, wantHost, wantOK)
		}
	}
	if _, ok := plainURLHost("https://www.example.com/search?q=AM%27s#top"); !ok {
		t.Error("the usual Referer is left to url.Parse")
	}
}

// FuzzRefererHost checks refererHost against url.Parse on arbitrary values.
func FuzzRefererHost(f *testing.F) {
	for _, s := range refererSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		host, ok := refererHost(ref)
		if wantHost, wantOK := urlParseHost(ref); host != wantHost || ok != wantOK {
			t.Fatalf("refererHost(%q) = %q, %v; url.Parse: %q, %v", ref, host, ok, wantHost, wantOK)
		}
	})
}
