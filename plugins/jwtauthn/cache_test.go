package jwtauthn

import (
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/wasmward/wasmward/shared/policy"
)

// flip changes the character at i of a base64url token to another base64url character.
func flip(tok string, i int) string {
	c := byte('A')
	if tok[i] == 'A' {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}

// TestRecentTokensRefuseLookalikes: with a valid token warm in the cache (in its recent slot
// and as a digest), tokens that share its header, payload, signature, prefix, length or slot
// are verified in full and refused; the token itself still hits.
func TestRecentTokensRefuseLookalikes(t *testing.T) {
	pol, _ := start(t, mainSpec(""))
	ed := keyFor("EdDSA")
	tok := ed.token(claimsAt(now()))
	other := ed.token(claimsAt(now(), "sub", "mallory"))
	first := get(pol, "/api", bearer(tok)...)
	wantReason(t, first, "")
	if s := pol.cache.recent[recentSlot(tok)]; s.token != tok || s.v == nil {
		t.Fatal("the verified token is not in its recent slot")
	}
	parts, otherParts := strings.Split(tok, "."), strings.Split(other, ".")
	adminPayload := base64.RawURLEncoding.EncodeToString(mustJSON(claimsAt(now(), "sub", "root", "scope", "admin")))
	// A token of the same length and slot, one character off where the slot is not read.
	sameSlot := ""
	for i := len(parts[0]) + len(parts[1]) + 2; i < len(tok)-1; i++ {
		if f := flip(tok, i); recentSlot(f) == recentSlot(tok) {
			sameSlot = f
			break
		}
	}
	if sameSlot == "" {
		t.Fatal("no same-slot variant found")
	}
	for _, tc := range []struct{ name, tok, reason string }{
		{"same header and payload, another token's signature", tamper(tok, 2, otherParts[2]), reasonBadSignature},
		{"same signature, another payload", tamper(tok, 1, adminPayload), reasonBadSignature},
		{"same signature, another valid token's payload", tamper(tok, 1, otherParts[1]), reasonBadSignature},
		{"same length and slot, one signature character off", sameSlot, reasonBadSignature},
		{"last character off", flip(tok, len(tok)-1), reasonMalformed},
		{"truncated by one", tok[:len(tok)-1], reasonMalformed},
		{"extended by one", tok + "A", reasonMalformed},
		{"extended by a segment", tok + ".AAAA", reasonMalformed},
		{"header and payload only", parts[0] + "." + parts[1] + ".", reasonMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := get(pol, "/api", bearer(tc.tok)...)
			if d.Verdict != policy.Deny {
				t.Fatalf("lookalike of a cached token allowed (identity %v)", d.Identity)
			}
			if tc.reason != reasonMalformed && d.Reason != tc.reason { // reasons of malformed tokens vary
				t.Errorf("reason %q, want %q", d.Reason, tc.reason)
			}
		})
	}
	if d := get(pol, "/api", bearer(tok)...); d.Verdict != policy.Allow || d.Identity != first.Identity {
		t.Fatal("the cached token no longer hits")
	}
}

// TestRecentTokensBounds: a recent slot holds a copy of the token, belongs to one provider,
// expires with its entry and goes with the keys.
func TestRecentTokensBounds(t *testing.T) {
	pol, h := start(t, mainSpec(""))
	ed := keyFor("EdDSA")
	buf := []byte(ed.token(claimsAt(now(), "exp", now()+30)))
	tok := unsafe.String(&buf[0], len(buf)) // aliases buf, as a request's string may alias a host buffer
	wantReason(t, get(pol, "/api", bearer(tok)...), "")
	s := pol.cache.recent[recentSlot(tok)]
	if s.v == nil || unsafe.StringData(s.token) == unsafe.StringData(tok) {
		t.Fatal("the recent slot does not hold its own copy of the token")
	}
	c, main, hs := pol.cache, pol.providers[0], pol.providers[1]
	if v := c.recentHit(s.token, hs, h.Now()); v != nil {
		t.Error("a token verified by one provider hits for another")
	}
	// Reusing the request's buffer for another token must not change what is cached.
	copy(buf, flip(string(buf), len(buf)/2))
	if v := c.recentHit(string(buf), main, h.Now()); v != nil {
		t.Error("a token hit after the request's buffer was rewritten")
	}
	if v := c.recentHit(s.token, main, h.Now()); v == nil {
		t.Fatal("the cached token does not hit")
	}
	// Expiry: at exp the slot no longer answers (and is emptied), nor does the digest.
	if v := c.recentHit(s.token, main, h.Now().Add(30*time.Second)); v != nil {
		t.Error("an expired token hit")
	}
	if c.recent[recentSlot(s.token)].v != nil {
		t.Error("an expired token stays in its recent slot")
	}
	// Keys change: every slot is emptied.
	wantReason(t, get(pol, "/api", bearer(s.token)...), "")
	main.keysChanged()
	for i, r := range c.recent {
		if r.v != nil || r.token != "" {
			t.Errorf("recent slot %d kept a token after a key change", i)
		}
	}
	// Cache off: nothing is kept.
	off, _ := start(t, strings.Replace(mainSpec(""), `"rules": [`, `"cache": {"maxEntries": 0}, "rules": [`, 1))
	wantReason(t, get(off, "/api", bearer(s.token)...), "")
	for i, r := range off.cache.recent {
		if r.v != nil || r.token != "" {
			t.Errorf("recent slot %d holds a token with the cache off", i)
		}
	}
}

// TestScratchKeepsNothing: after each request (allowed, denied, several providers) the policy's
// evaluation scratch is back to zero: no request, token or result stays.
func TestScratchKeepsNothing(t *testing.T) {
	spec := strings.Replace(mainSpec(""), `"rules": [`, `"rules": [
	    {"id": "all", "match": {"path": {"prefix": "/all"}}, "requires": {"allOf": [
	      {"provider": "main"}, {"provider": "hs"}, {"provider": "main"}, {"anyOf": [{"provider": "hs"}, {"provider": "main"}]}]}},`, 1)
	pol, _ := start(t, spec)
	tok := keyFor("EdDSA").token(claimsAt(now()))
	for _, path := range []string{"/api", "/api-bad", "/all", "/all-hs", "/api-three", "/open"} {
		headers := bearer(tok)
		switch path {
		case "/api-bad":
			headers = bearer(flip(tok, len(tok)/2))
		case "/all-hs":
			headers = append(headers, "x-token", "not.a.token")
		case "/api-three": // more token headers than the scratch's buffer holds
			headers = append(append(headers, "x-token", "not.a.token"), bearer(tok)...)
		}
		get(pol, path, headers...)
		if !reflect.ValueOf(pol.scratch).IsZero() {
			t.Fatalf("scratch after a request to %s: %+v", path, pol.scratch)
		}
	}
}

// TestPickTokenHeaders: pick keeps exactly the headers some source reads, in order, whatever
// their names' lengths (63 and more share a length bit), and no decoy of the same length.
func TestPickTokenHeaders(t *testing.T) {
	long63, long70 := strings.Repeat("a", 63), strings.Repeat("b", 70)
	var ts tokenSources
	ts.add([]source{{header: "x-jwt"}, {header: long63}, {header: long70}, {cookie: "session"}, {query: "access_token"}})
	hs := policy.Headers{{Name: "x-jwt", Value: "1"}, {Name: "x-jwx", Value: "decoy"}, {Name: strings.Repeat("c", 63), Value: "decoy"},
		{Name: long70, Value: "2"}, {Name: strings.Repeat("b", 80), Value: "decoy"}, {Name: "cookie", Value: "3"},
		{Name: "access_token", Value: "decoy"}, {Name: long63, Value: "4"}, {Name: "x-jwt", Value: "5"}}
	var got []string
	for _, h := range ts.pick(hs, nil) {
		got = append(got, h.Value)
	}
	if strings.Join(got, ",") != "1,2,3,4,5" {
		t.Errorf("picked %v, want 1,2,3,4,5", got)
	}
}

// TestSameToken: equal strings only, whichever byte differs and by which bits (each position
// of lengths around the eight-byte rounds, base64url text and arbitrary bytes, and a string
// that starts off a word's alignment, as a token cut from its header does).
func TestSameToken(t *testing.T) {
	for n := 0; n <= 80; n++ { // the 32-byte rounds, the words after them and the tail
		buf := make([]byte, n)
		for i := range buf {
			buf[i] = byte(i*37 + 11)
		}
		unaligned := ("Bearer " + string(buf))[7:]
		for _, a := range []string{string(buf), strings.Repeat("x", n), base64.RawURLEncoding.EncodeToString(buf)[:n], unaligned} {
			if !sameToken(a, strings.Clone(a)) {
				t.Fatalf("length %d: equal strings differ", n)
			}
			if n > 0 && (sameToken(a, a[:n-1]) || sameToken(a[:n-1], a)) {
				t.Fatalf("length %d: a prefix is the same token", n)
			}
			for i := 0; i < n; i++ {
				for _, bit := range []byte{1, 2, 0x10, 0x80, 0xff, 'A' ^ 'B'} {
					if b := a[:i] + string([]byte{a[i] ^ bit}) + a[i+1:]; sameToken(a, b) || sameToken(b, a) {
						t.Fatalf("length %d: a difference at %d (bits %#x) is not seen", n, i, bit)
					}
				}
			}
		}
	}
}
