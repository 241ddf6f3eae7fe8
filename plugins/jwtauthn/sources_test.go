package jwtauthn

import (
	"slices"
	"testing"

	"github.com/wasmward/wasmward/shared/policy"
)

// TestStripShortcut compares strip, which skips a request whose one verified token has nowhere
// else to be (oneHolder), with stripAll on every combination of source sets, token holders and
// verified tokens a request can have: the edits must be the same. extract's shortcut (one
// source, one header) is compared with extractAll on the same requests.
func TestStripShortcut(t *testing.T) {
	sourceSets := map[string][]source{
		"default":             defaultSources,
		"bearer and x-jwt":    {{header: "authorization", prefix: "Bearer "}, {header: "x-jwt"}},
		"two authz prefixes":  {{header: "authorization", prefix: "Bearer "}, {header: "authorization", prefix: "DPoP "}},
		"bearer and query":    {{header: "authorization", prefix: "Bearer "}, {query: "access_token"}},
		"bearer and cookie":   {{header: "authorization", prefix: "Bearer "}, {cookie: "session"}},
		"cookie header":       {{header: "cookie"}, {cookie: "session"}},
		"every kind":          {{header: "authorization", prefix: "Bearer "}, {header: "x-jwt"}, {query: "access_token"}, {cookie: "session"}},
		"query only":          {{query: "access_token"}},
		"x-jwt only, no auth": {{header: "x-jwt"}},
		"nested prefixes":     {{header: "x-jwt", prefix: "t"}, {header: "x-jwt"}},
		"two cookies":         {{cookie: "session"}, {cookie: "sid"}},
	}
	const good, other = "aaa.bbb.ccc", "xxx.yyy.zzz"
	holders := [][2]string{
		{"authorization", "Bearer " + good}, {"authorization", "bearer " + other}, {"authorization", "DPoP " + other},
		{"authorization", "Basic dXNlcjpwYXNz"}, {"x-jwt", good}, {"x-jwt", other}, {"x-jwt", "t" + good},
		{"cookie", "session=" + other + "; theme=dark"}, {"cookie", "session=" + good + "; sid=" + other}, {"cookie", "theme=dark"}, {"x-other", other},
	}
	paths := []string{"/orders", "/orders?id=7", "/orders?access_token=" + other, "/orders?access_token=" + good}
	holderSets := [][][2]string{nil} // none, each holder, each pair (a holder with itself: the header twice)
	for i := range holders {
		holderSets = append(holderSets, holders[i:i+1])
		for j := i; j < len(holders); j++ {
			holderSets = append(holderSets, [][2]string{holders[i], holders[j]})
		}
	}
	checked, shortcut := 0, 0
	for name, srcs := range sourceSets {
		var ts tokenSources
		ts.add(srcs)
		for _, path := range paths {
			for _, set := range holderSets {
				pairs := append([][2]string{{":method", "GET"}, {":path", path}, {":authority", "api.example.com"}}, set...)
				req := policy.NewRequest(pairs, nil, nil)
				headers := ts.pick(req.Headers, nil)
				// What a requirement can have verified: nothing, or a token one of the sources
				// finds in the request.
				verifiable := [][]string{nil}
				for s := range srcs {
					var f tokenFinder
					srcs[s].find(req, headers, &f)
					if f.err == nil && f.tok != "" {
						verifiable = append(verifiable, []string{f.tok})
					}
				}
				for s := range srcs { // a provider with one source
					one := srcs[s : s+1]
					tok, err := extract(req, headers, one)
					wantTok, wantErr := extractAll(req, headers, one)
					if tok != wantTok || err != wantErr {
						t.Errorf("%s, %s, headers %q, source %v: extract %q %v, extractAll %q %v", name, path, pairs[3:], one[0], tok, err, wantTok, wantErr)
					}
				}
				for _, verified := range verifiable {
					var fast, full policy.Decision
					ts.strip(req, headers, verified, &fast)
					ts.stripAll(req, headers, verified, &full)
					if !slices.Equal(fast.RemoveHeaders, full.RemoveHeaders) || !slices.Equal(fast.SetHeaders, full.SetHeaders) {
						t.Errorf("%s, %s, headers %q, verified %q: strip %v %v, stripAll %v %v", name, path, pairs[3:], verified,
							fast.RemoveHeaders, fast.SetHeaders, full.RemoveHeaders, full.SetHeaders)
					}
					checked++
					if len(verified) > 0 && ts.oneHolder(req, headers) {
						shortcut++
					}
				}
			}
		}
	}
	if shortcut == 0 || shortcut == checked {
		t.Fatalf("%d of %d cases took the shortcut: the comparison covers one path only", shortcut, checked)
	}
}
