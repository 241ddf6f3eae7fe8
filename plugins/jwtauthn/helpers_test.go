package jwtauthn

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/policytest"
)

// asymKeys are the inline keys of the "main" test provider: one per asymmetric algorithm.
var asymKeys = func() []*testKey {
	var ks []*testKey
	for _, a := range algorithmList {
		if a.kty != ktyOct {
			ks = append(ks, keyFor(a.name))
		}
	}
	return ks
}()

const asymAlgs = `["RS256","RS384","RS512","PS256","PS384","PS512","ES256","ES384","ES512","EdDSA"]`

// mainSpec has provider "main" (inline keys for every asymmetric algorithm) and "hs" (HMAC
// secret from $JWT_SECRET), and rules: /hs → hs, /open → no requirement, /scoped → main with
// scope "admin", everything else → main.
func mainSpec(extraProvider string) string {
	return fmt.Sprintf(`{
	  "providers": [
	    {"id": "main", "issuer": %q, "audiences": [%q, "other"], "algorithms": %s,
	     "jwks": %s,
	     "claimHeaders": [{"claim": "sub", "header": "x-user"}, {"claim": "scope", "header": "x-scope"}],
	     "payloadHeader": "x-jwt-payload"},
	    {"id": "hs", "issuer": %q, "audiences": [%q], "algorithms": ["HS256","HS384","HS512"],
	     "hmac": {"env": "JWT_SECRET"}, "sources": [{"header": "x-token"}]}%s
	  ],
	  "rules": [
	    {"id": "open", "match": {"path": {"prefix": "/open"}}},
	    {"id": "hs", "match": {"path": {"prefix": "/hs"}}, "requires": {"provider": "hs"}},
	    {"id": "scoped", "match": {"path": {"prefix": "/scoped"}}, "requires": {"provider": "main"}, "scopes": ["admin"]},
	    {"id": "api", "match": {"path": {"prefix": "/"}}, "requires": {"provider": "main"}}
	  ]
	}`, testIssuer, testAudience, asymAlgs, jwksOf(asymKeys...), testIssuer, testAudience, extraProvider)
}

// start parses spec and starts it on a fake host holding the HMAC secret.
func start(t testing.TB, spec string) (*Policy, *policytest.Host) {
	t.Helper()
	p, err := Parse([]byte(spec))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	h := policytest.NewHost()
	h.EnvVars["JWT_SECRET"] = testSecret
	if err := p.(*Policy).Start(h); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return p.(*Policy), h
}

// get runs a GET of path with headers (name, value pairs).
func get(pol *Policy, path string, headers ...string) policy.Decision {
	pairs := [][2]string{{":method", "GET"}, {":path", path}, {":authority", "api.example.com"}}
	for i := 0; i+1 < len(headers); i += 2 {
		pairs = append(pairs, [2]string{headers[i], headers[i+1]})
	}
	return pol.OnRequest(policy.NewRequest(pairs, nil, nil))
}

func bearer(tok string) []string { return []string{"authorization", "Bearer " + tok} }

// now is the fake host's clock in Unix seconds.
func now() int64 { return policytest.Start.Unix() }

// wantReason checks a decision's verdict and reason.
func wantReason(t *testing.T, d policy.Decision, reason string) {
	t.Helper()
	if reason == "" {
		if d.Verdict != policy.Allow {
			t.Fatalf("want allow, got deny %q (status %d)", d.Reason, d.Reply.Status)
		}
		return
	}
	if d.Verdict != policy.Deny || d.Reason != reason {
		t.Fatalf("want deny %q, got %v %q", reason, d.Verdict, d.Reason)
	}
}

// tamper replaces segment i (0 header, 1 payload, 2 signature) of a compact token.
func tamper(tok string, i int, seg string) string {
	parts := strings.Split(tok, ".")
	parts[i] = seg
	return strings.Join(parts, ".")
}

// newFakeHost is a policytest host without the HMAC secret.
func newFakeHost() *policytest.Host { return policytest.NewHost() }
