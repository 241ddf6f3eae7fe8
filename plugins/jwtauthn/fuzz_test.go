package jwtauthn

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzTokenParser feeds arbitrary tokens through the whole verification path of the "main"
// provider. Nothing may panic, and whatever is accepted must carry an allowed, non-none alg and
// a verified signature from one of the provider's keys.
func FuzzTokenParser(f *testing.F) {
	for _, a := range algorithmList {
		f.Add(keyFor(a.name).token(claimsAt(now())))
	}
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("..")
	f.Add("a.b.c.d.e")
	pol, _ := start(f, mainSpec(""))
	main := pol.providers[0]
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := parseToken(raw, main.maxTokenBytes, main.algs)
		v, verr := main.verify(raw, pol.host.Now(), false)
		if err != nil {
			if verr == nil {
				t.Fatalf("parseToken rejects (%v) but verify accepts", err)
			}
			return
		}
		if !main.algs.has(tok.alg) || strings.EqualFold(tok.alg.name, "none") {
			t.Fatalf("parsed a token with alg %q", tok.alg.name)
		}
		if verr == nil {
			cands, err := main.keys.candidates(tok)
			if err != nil || verifySignature(tok, cands) != nil || v.identity == nil {
				t.Fatal("verify accepted a token whose signature does not verify")
			}
		}
	})
}

// FuzzJWKSParser feeds arbitrary key sets; a set that parses must hold keys each accepting at
// least one algorithm, with unique kids and no oct key in a public set.
func FuzzJWKSParser(f *testing.F) {
	f.Add([]byte(jwksOf(asymKeys...)), false)
	f.Add([]byte(jwksOf(hsKey("h", "HS256"))), true)
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]}`), false)
	f.Add([]byte(`{"keys":[]}`), false)
	f.Fuzz(func(t *testing.T, data []byte, allowSymmetric bool) {
		ks, _, err := parseJWKS(data, allowSymmetric)
		if err != nil {
			return
		}
		kids := map[string]bool{}
		for _, k := range ks.keys {
			if k.algs == 0 || k.algs&^allAlgorithms != 0 {
				t.Fatalf("key accepts algorithms %b", k.algs)
			}
			if k.secret != nil && !allowSymmetric {
				t.Fatal("oct key in a public set")
			}
			if k.hasKid && kids[k.kid] {
				t.Fatal("duplicate kid")
			}
			kids[k.kid] = k.hasKid
		}
	})
}

// FuzzConfigParser feeds arbitrary specs to Parse, seeded with the testdata configs' specs.
func FuzzConfigParser(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.json")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(mainSpec("")))
	f.Add([]byte(remoteSpec(true)))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err == nil && p == nil {
			t.Fatal("nil policy without an error")
		}
	})
}
