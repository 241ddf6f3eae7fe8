package jwtauthn

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestEveryAlgorithmVerifies signs with each of the 13 algorithms and verifies through the
// request path (HS* via the hmac provider).
func TestEveryAlgorithmVerifies(t *testing.T) {
	pol, _ := start(t, mainSpec(""))
	for _, a := range algorithmList {
		t.Run(a.name, func(t *testing.T) {
			tok := keyFor(a.name).token(claimsAt(now()))
			if a.kty == ktyOct {
				wantReason(t, get(pol, "/hs", "x-token", tok), "")
				return
			}
			wantReason(t, get(pol, "/api", bearer(tok)...), "")
			// A flipped signature byte fails.
			raw := mustB64(strings.Split(tok, ".")[2])
			raw[len(raw)/2] ^= 1
			wantReason(t, get(pol, "/api", bearer(tamper(tok, 2, b64.EncodeToString(raw)))...), reasonBadSignature)
		})
	}
}

// TestClaims checks issuer, audience and time rules.
func TestClaims(t *testing.T) {
	pol, _ := start(t, mainSpec(""))
	ed := keyFor("EdDSA")
	n := now()
	for _, tc := range []struct {
		name   string
		claims map[string]any
		reason string
	}{
		{"audience as a string", claimsAt(n), ""},
		{"audience in an array", claimsAt(n, "aud", []string{"x", "other"}), ""},
		{"audience array without ours", claimsAt(n, "aud", []string{"x", "y"}), reasonWrongAudience},
		{"empty audience array never matches", claimsAt(n, "aud", []string{}), reasonWrongAudience},
		{"missing audience", claimsAt(n, "aud", nil), reasonWrongAudience},
		{"audience of the wrong type", claimsAt(n, "aud", 7), reasonMalformed},
		{"wrong issuer", claimsAt(n, "iss", "https://idp.example.com/"), reasonWrongIssuer},
		{"missing issuer", claimsAt(n, "iss", nil), reasonWrongIssuer},
		{"issuer of the wrong type", claimsAt(n, "iss", 1), reasonMalformed},
		{"expired beyond the skew", claimsAt(n - 3600 - 61), reasonExpired},
		{"expired within the 60 s skew", claimsAt(n - 3600 - 59), ""},
		{"nbf in the future beyond the skew", claimsAt(n, "nbf", n+61), reasonNotYetValid},
		{"nbf in the future within the skew", claimsAt(n, "nbf", n+59), ""},
		{"iat in the future beyond the skew", claimsAt(n, "iat", n+120), reasonNotYetValid},
		{"sub of the wrong type", claimsAt(n, "sub", 5), reasonMalformed},
		{"scope of the wrong type", claimsAt(n, "scope", 5), reasonMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantReason(t, get(pol, "/api", bearer(ed.token(tc.claims))...), tc.reason)
		})
	}
}

// TestSources checks where tokens are read from.
func TestSources(t *testing.T) {
	spec := strings.Replace(mainSpec(""), `"payloadHeader": "x-jwt-payload"`, `"payloadHeader": "x-jwt-payload",
		"sources": [{"header": "authorization", "prefix": "Bearer "}, {"header": "x-jwt"}, {"query": "access_token"}, {"cookie": "session"}]`, 1)
	pol, _ := start(t, spec)
	tok := keyFor("EdDSA").token(claimsAt(now()))
	for _, tc := range []struct {
		name    string
		path    string
		headers []string
		reason  string
	}{
		{"bearer", "/api", bearer(tok), ""},
		{"bearer scheme is case-insensitive", "/api", []string{"authorization", "bearer " + tok}, ""},
		{"basic credentials are no token", "/api", []string{"authorization", "Basic dXNlcjpwYXNz"}, reasonMissingToken},
		{"custom header", "/api", []string{"x-jwt", tok}, ""},
		{"query parameter", "/api?a=1&access_token=" + tok, nil, ""},
		{"cookie", "/api", []string{"cookie", "a=b; session=" + tok + "; c=d"}, ""},
		{"nothing", "/api", nil, reasonMissingToken},
		{"empty bearer", "/api", []string{"authorization", "Bearer "}, reasonMissingToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantReason(t, get(pol, tc.path, tc.headers...), tc.reason)
		})
	}
}

// TestRequirements checks provider, anyOf, allOf, allowMissing and allowMissingOrFailed.
func TestRequirements(t *testing.T) {
	spec := `{"providers":[
		{"id":"a","issuer":"https://a","audiences":["api"],"algorithms":["EdDSA"],"jwks":` + jwksOf(edKey("ka", "a")) + `,"sources":[{"header":"x-a"}]},
		{"id":"b","issuer":"https://b","audiences":["api"],"algorithms":["EdDSA"],"jwks":` + jwksOf(edKey("kb", "b")) + `,"sources":[{"header":"x-b"}]}],
	  "rules":[
		{"id":"any","match":{"path":{"exact":"/any"}},"requires":{"anyOf":[{"provider":"a"},{"provider":"b"}]}},
		{"id":"all","match":{"path":{"exact":"/all"}},"requires":{"allOf":[{"provider":"a"},{"provider":"b"}]}},
		{"id":"missing","match":{"path":{"exact":"/missing"}},"requires":{"provider":"a","allowMissing":true}},
		{"id":"failed","match":{"path":{"exact":"/failed"}},"requires":{"provider":"a","allowMissingOrFailed":true}},
		{"id":"nested","match":{"path":{"exact":"/nested"}},"requires":{"anyOf":[{"allOf":[{"provider":"a"},{"provider":"b"}]},{"provider":"b","allowMissing":true}]}}]}`
	pol, _ := start(t, spec)
	tokA := func(iss string) string {
		return edKey("ka", "a").token(claimsAt(now(), "iss", iss, "aud", "api"))
	}
	a := tokA("https://a")
	b := edKey("kb", "b").token(claimsAt(now(), "iss", "https://b", "aud", "api"))
	badA := tokA("https://wrong")
	for _, tc := range []struct {
		name, path string
		headers    []string
		reason     string
		identity   string // provider of the identity handed off, "" for none
	}{
		{"anyOf: first", "/any", []string{"x-a", a}, "", "a"},
		{"anyOf: second", "/any", []string{"x-b", b}, "", "b"},
		{"anyOf: none", "/any", nil, reasonMissingToken, ""},
		{"anyOf: a failure beats missing", "/any", []string{"x-a", badA}, reasonWrongIssuer, ""},
		{"anyOf: a failure, then a success", "/any", []string{"x-a", badA, "x-b", b}, "", "b"},
		{"allOf: both", "/all", []string{"x-a", a, "x-b", b}, "", "a"},
		{"allOf: one missing", "/all", []string{"x-a", a}, reasonMissingToken, ""},
		{"allOf: one failed", "/all", []string{"x-a", a, "x-b", "x.y.z"}, reasonMalformed, ""},
		{"allowMissing: missing passes", "/missing", nil, "", ""},
		{"allowMissing: valid verified", "/missing", []string{"x-a", a}, "", "a"},
		{"allowMissing: failed rejected", "/missing", []string{"x-a", badA}, reasonWrongIssuer, ""},
		{"allowMissingOrFailed: failed passes without identity", "/failed", []string{"x-a", badA}, "", ""},
		{"allowMissingOrFailed: missing passes", "/failed", nil, "", ""},
		{"nested: all of a and b", "/nested", []string{"x-a", a, "x-b", b}, "", "a"},
		{"nested: missing allowed", "/nested", nil, "", ""},
		{"nested: a alone falls to b's allowMissing", "/nested", []string{"x-a", a}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := get(pol, tc.path, tc.headers...)
			wantReason(t, d, tc.reason)
			got := ""
			if d.Identity != nil {
				got = d.Identity.Provider
			}
			if got != tc.identity {
				t.Errorf("identity from %q, want %q", got, tc.identity)
			}
		})
	}
}

// TestScopes checks per-rule scopes from "scope" and "scp".
func TestScopes(t *testing.T) {
	pol, _ := start(t, mainSpec(""))
	ed := keyFor("EdDSA")
	for _, tc := range []struct {
		name   string
		claims map[string]any
		reason string
	}{
		{"scope string with admin", claimsAt(now(), "scope", "read admin"), ""},
		{"scope string without admin", claimsAt(now(), "scope", "read write"), reasonInsufficientScope},
		{"scp array with admin", claimsAt(now(), "scope", nil, "scp", []string{"admin"}), ""},
		{"scp string with admin", claimsAt(now(), "scope", nil, "scp", "x admin"), ""},
		{"no scopes", claimsAt(now(), "scope", nil), reasonInsufficientScope},
		{"admin as a prefix is not admin", claimsAt(now(), "scope", "administrator"), reasonInsufficientScope},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := get(pol, "/scoped", bearer(ed.token(tc.claims))...)
			wantReason(t, d, tc.reason)
			if tc.reason != "" {
				if d.Reply.Status != 403 || !strings.Contains(headerOf(d.Reply.Headers, "www-authenticate"), `error="insufficient_scope"`) {
					t.Errorf("want 403 insufficient_scope, got %d %v", d.Reply.Status, d.Reply.Headers)
				}
			}
		})
	}
}

func headerOf(hs [][2]string, name string) string {
	for _, h := range hs {
		if h[0] == name {
			return h[1]
		}
	}
	return ""
}

// TestOutputs checks stripping, claim headers, payload forwarding, Authorization removal and
// the identity.
func TestOutputs(t *testing.T) {
	spec := strings.Replace(mainSpec(""), `"payloadHeader": "x-jwt-payload"`, `"payloadHeader": "x-jwt-payload", "removeAuthorization": true`, 1)
	pol, _ := start(t, spec)
	tok := keyFor("ES384").token(claimsAt(now()))
	for _, req := range []struct {
		path    string
		headers []string
	}{{"/open", nil}, {"/api", bearer(tok)}} {
		d := get(pol, req.path, append(req.headers, "x-user", "forged", "x-scope", "admin")...)
		for _, h := range []string{"x-user", "x-scope", "x-jwt-payload"} {
			if !slices.Contains(d.RemoveHeaders, h) {
				t.Errorf("%s: incoming %s not removed (RemoveHeaders %v)", req.path, h, d.RemoveHeaders)
			}
		}
	}
	d := get(pol, "/api", append(bearer(tok), "x-user", "forged")...)
	wantReason(t, d, "")
	want := [][2]string{{"x-user", "alice"}, {"x-scope", "read write"}, {"x-jwt-payload", strings.Split(tok, ".")[1]}}
	if !slices.Equal(d.SetHeaders, want) {
		t.Errorf("SetHeaders = %v, want %v", d.SetHeaders, want)
	}
	if !slices.Contains(d.RemoveHeaders, "authorization") {
		t.Errorf("authorization not removed: %v", d.RemoveHeaders)
	}
	if slices.Contains(pol.strip, "authorization") {
		t.Error("removing authorization leaked into the shared strip list")
	}
	id := d.Identity
	if id == nil || id.Subject != "alice" || id.Issuer != testIssuer || id.Provider != "main" || !slices.Equal(id.Scopes, []string{"read", "write"}) {
		t.Fatalf("identity = %+v", id)
	}
	var claims map[string]any
	if err := json.Unmarshal(id.Claims, &claims); err != nil || claims["sub"] != "alice" {
		t.Errorf("identity claims = %s (%v)", id.Claims, err)
	}
	if d := get(pol, "/open", bearer(tok)...); d.Identity != nil || d.Rule != "open" {
		t.Errorf("a rule without requires verified a token: %+v", d)
	}
}

// TestReplies checks statuses, WWW-Authenticate and that replies never carry the token.
func TestReplies(t *testing.T) {
	pol, _ := start(t, mainSpec(""))
	tok := keyFor("EdDSA").token(claimsAt(now() - 7200))
	d := get(pol, "/api", bearer(tok)...)
	wantReason(t, d, reasonExpired)
	if d.Reply.Status != 401 || headerOf(d.Reply.Headers, "www-authenticate") != `Bearer error="invalid_token", error_description="The access token is invalid."` {
		t.Errorf("reply = %d %v", d.Reply.Status, d.Reply.Headers)
	}
	for _, part := range strings.Split(tok, ".") {
		if strings.Contains(string(d.Reply.Body), part) || strings.Contains(strings.Join(flatten(d.Reply.Headers), " "), part) {
			t.Error("reply echoes the token")
		}
	}
	for _, v := range d.Details {
		if strings.Contains(v, tok[:20]) {
			t.Error("audit details carry the token")
		}
	}
	d = get(pol, "/api")
	if d.Reply.Status != 401 || headerOf(d.Reply.Headers, "www-authenticate") != "Bearer" || d.Reason != reasonMissingToken {
		t.Errorf("missing token reply = %d %v %q", d.Reply.Status, d.Reply.Headers, d.Reason)
	}
}

func flatten(hs [][2]string) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h[0], h[1])
	}
	return out
}

// TestHMACSecretFromEnv checks the start-time secret: required, long enough, never logged.
func TestHMACSecretFromEnv(t *testing.T) {
	pol, h := start(t, mainSpec(""))
	for _, l := range h.Lines {
		if strings.Contains(l, testSecret) {
			t.Error("secret logged")
		}
	}
	wantReason(t, get(pol, "/hs", "x-token", hsKey("", "HS512").token(claimsAt(now()))), "")
	forged := (&testKey{alg: "HS256", sign: hsSign([]byte(strings.Repeat("x", 32)))}).token(claimsAt(now()))
	wantReason(t, get(pol, "/hs", "x-token", forged), reasonBadSignature)

	for _, tc := range []struct{ name, value, want string }{
		{"unset", "", "is not set"},
		{"too short", "tiny-secret-xyz", "secret shorter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := Parse([]byte(mainSpec("")))
			h := newFakeHost()
			if tc.value != "" {
				h.EnvVars["JWT_SECRET"] = tc.value
			}
			err := p.(*Policy).Start(h)
			if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.value != "" && strings.Contains(err.Error(), tc.value)) {
				t.Fatalf("Start error = %v, want %q without the secret", err, tc.want)
			}
		})
	}
}

// TestCache checks hits, expiry at exp, the TTL, the bound and the drop on key change.
func TestCache(t *testing.T) {
	spec := strings.Replace(mainSpec(""), `"rules": [`, `"cache": {"maxEntries": 3, "ttlSeconds": 60}, "rules": [`, 1)
	pol, h := start(t, spec)
	ed := keyFor("EdDSA")
	tok := ed.token(claimsAt(now()-3600+30, "exp", now()+30)) // expires in 30 s (< TTL)
	wantReason(t, get(pol, "/api", bearer(tok)...), "")
	if pol.cache.Len() != 1 {
		t.Fatalf("cache holds %d entries, want 1", pol.cache.Len())
	}
	for k := range pol.cache.entries {
		if !pol.cache.entries[k].expires.Equal(time.Unix(now()+30, 0)) {
			t.Errorf("entry expires at %v, want the token's exp", pol.cache.entries[k].expires)
		}
	}
	// A hit returns the same verified result without parsing.
	d1, d2 := get(pol, "/api", bearer(tok)...), get(pol, "/api", bearer(tok)...)
	if d1.Identity != d2.Identity {
		t.Error("second request did not hit the cache")
	}
	// Past exp (and the skew), the entry is gone and the token is expired.
	h.Advance(91 * time.Second)
	wantReason(t, get(pol, "/api", bearer(tok)...), reasonExpired)
	// The TTL bounds long-lived tokens.
	long := ed.token(claimsAt(h.Now().Unix()))
	get(pol, "/api", bearer(long)...)
	for _, v := range pol.cache.entries {
		if want := h.Now().Add(60 * time.Second); !v.expires.Equal(want) {
			t.Errorf("entry expires at %v, want now+ttl %v", v.expires, want)
		}
	}
	// Bounded: more distinct tokens than entries.
	for i := range 10 {
		get(pol, "/api", bearer(ed.token(claimsAt(h.Now().Unix(), "jti", i)))...)
	}
	if pol.cache.Len() > 3 {
		t.Errorf("cache holds %d entries, bound is 3", pol.cache.Len())
	}
	// Failures are not cached.
	get(pol, "/api", bearer("a.b.c")...)
	if _, ok := pol.cache.entries[keyOf("a.b.c", pol.providers[0])]; ok {
		t.Error("a failure was cached")
	}
}

// TestCacheSeparatesProviders: a token verified by one provider is not a hit for another.
func TestCacheSeparatesProviders(t *testing.T) {
	pol, _ := start(t, mainSpec(""))
	tok := keyFor("EdDSA").token(claimsAt(now()))
	if keyOf(tok, pol.providers[0]) == keyOf(tok, pol.providers[1]) {
		t.Fatal("cache keys of two providers collide")
	}
}
