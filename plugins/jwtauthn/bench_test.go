package jwtauthn

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"math/big"
	"runtime"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/harness"
)

// bare verifies like the standard library alone would, with no JOSE around it: hash and check.
// It is the primitive the plugin's cold verification is compared against.
func bare(a *algorithm, k *Key, input string, sig []byte) bool {
	if a.kty == ktyOKP {
		return ed25519.Verify(k.ed, []byte(input), sig)
	}
	if a.kty == ktyOct {
		m := hmac.New(a.hash.New, k.secret)
		m.Write([]byte(input))
		return hmac.Equal(m.Sum(nil), sig)
	}
	h := a.hash.New()
	h.Write([]byte(input))
	d := h.Sum(nil)
	switch {
	case a.kty == ktyEC:
		n := len(sig) / 2
		return ecdsa.Verify(k.ec, d, new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:]))
	case a.pss:
		return rsa.VerifyPSS(k.rsa, a.hash, d, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
	default:
		return rsa.VerifyPKCS1v15(k.rsa, a.hash, d, sig) == nil
	}
}

// BenchmarkColdVerify compares, per algorithm, a full cold verification by the plugin's core
// (cache off: parse, key lookup, claims, signature) with the bare signature primitive on the
// same token. Goal: plugin ≤ 1.2× primitive.
func BenchmarkColdVerify(b *testing.B) {
	spec := strings.Replace(mainSpec(""), `"rules": [`, `"cache": {"maxEntries": 0}, "rules": [`, 1)
	pol, _ := start(b, spec)
	for _, a := range algorithmList {
		k := keyFor(a.name)
		tok := k.token(claimsAt(now()))
		p := pol.providers[0]
		if a.kty == ktyOct {
			p = pol.providers[1]
		}
		parsed, err := parseToken(tok, p.maxTokenBytes, p.algs)
		if err != nil {
			b.Fatal(err)
		}
		cands, err := p.keys.candidates(parsed)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(a.name+"/primitive", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !bare(a, cands[0], parsed.signingInput, parsed.sig) {
					b.Fatal("does not verify")
				}
			}
		})
		b.Run(a.name+"/plugin", func(b *testing.B) {
			b.ReportAllocs()
			at := pol.host.Now()
			for b.Loop() {
				if _, err := p.verify(tok, at, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchConfig is testdata/valid/inline.json's provider with the given cache size.
func benchConfig(cacheEntries string) []byte {
	return []byte(strings.Replace(caseConfig(), `"rules": [`, `"cache": {"maxEntries": `+cacheEntries+`}, "rules": [`, 1))
}

// BenchmarkWarmCache: a cached token through the whole glue against passthrough, both modes.
// Goal: plugin ≤ 1.5× passthrough.
func BenchmarkWarmCache(b *testing.B) {
	tok := keyFor("ES256").token(caseClaims())
	harness.Bench(b, Definition, benchConfig("4096"), harness.Request{Path: "/api/orders?id=7",
		Headers: [][2]string{{"authorization", "Bearer " + tok}, {"user-agent", "bench"}}})
}

// BenchmarkColdHarness: the cache off, so every request verifies an EdDSA token, through the glue
// against passthrough, both modes. One algorithm only: in wasm each request costs about a
// millisecond, and `make bench` runs 120k of them (BenchmarkColdVerify covers every algorithm).
func BenchmarkColdHarness(b *testing.B) {
	tok := keyFor("EdDSA").token(caseClaims())
	harness.Bench(b, Definition, benchConfig("0"), harness.Request{Path: "/api/orders?id=7",
		Headers: [][2]string{{"authorization", "Bearer " + tok}, {"user-agent", "bench"}}})
}

// BenchmarkDistinctTokens sends a new token per request (1024-entry cache) and reports the VM
// heap after harness.HeapRequests (100k) more: it must stay bounded by the cache, not grow with
// the number of tokens. ns/op includes signing each token in the test.
func BenchmarkDistinctTokens(b *testing.B) {
	ed := keyFor("EdDSA")
	for _, mode := range harness.Modes {
		b.Run(string(mode), func(b *testing.B) {
			h := harness.MustStart(b, mode, Definition, benchConfig("1024"))
			BenchHostTokens(b, h, ed)
		})
	}
}

// BenchHostTokens runs harness.BenchHost with a distinct EdDSA token per request.
func BenchHostTokens(b *testing.B, h *harness.Host, k *testKey) {
	harness.BenchHost(b, h, func(i int) harness.Request {
		tok := k.token(caseClaims("jti", i))
		return harness.Request{Path: "/api/orders", Headers: [][2]string{{"authorization", "Bearer " + tok}}}
	})
}

// TestCacheBoundsHeap: 100k distinct verified tokens leave at most maxEntries cached, and the
// heap grows by far less than the tokens' total size.
func TestCacheBoundsHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("100k tokens")
	}
	spec := strings.Replace(mainSpec(""), `"rules": [`, `"cache": {"maxEntries": 1000}, "rules": [`, 1)
	pol, _ := start(t, spec)
	hs := keyFor("HS256")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	total := 0
	for i := range 100_000 {
		tok := hs.token(claimsAt(now(), "jti", i))
		total += len(tok)
		if d := get(pol, "/hs", "x-token", tok); d.Reason != "" {
			t.Fatalf("token %d: %s", i, d.Reason)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if n := pol.cache.Len(); n > 1000 {
		t.Fatalf("cache holds %d entries, bound 1000", n)
	}
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("100k tokens (%d bytes): heap grew %d bytes, cache %d entries", total, growth, pol.cache.Len())
	if growth > int64(total)/4 {
		t.Errorf("heap grew %d bytes for %d bytes of tokens: not bounded by the cache", growth, total)
	}
}

// BenchmarkWarmOnRequest is the core's own share of a warm (cached) request, without the glue.
func BenchmarkWarmOnRequest(b *testing.B) {
	env, err := config.ParseEnvelope(benchConfig("4096"), Definition.Name)
	if err != nil {
		b.Fatal(err)
	}
	p, err := Parse(env.Spec)
	if err != nil {
		b.Fatal(err)
	}
	pol := p.(*Policy)
	if err := pol.Start(newFakeHost()); err != nil {
		b.Fatal(err)
	}
	tok := keyFor("ES256").token(caseClaims())
	if d := get(pol, "/api/orders", bearer(tok)...); d.Reason != "" {
		b.Fatal(d.Reason)
	}
	b.ReportAllocs()
	for b.Loop() {
		get(pol, "/api/orders", bearer(tok)...)
	}
}
