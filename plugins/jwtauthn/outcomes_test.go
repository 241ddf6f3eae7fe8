package jwtauthn_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/plugins/jwtauthn"
	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/policytest"
)

// TestOutcomes lists the outcomes of testdata configs (and one of relaxed requirements), after
// Start.
func TestOutcomes(t *testing.T) {
	// Every provider's token can fail these ways; which others depends on the provider.
	common := []string{"multiple_tokens", "too_large", "malformed", "bad_algorithm", "bad_header", "bad_typ",
		"wrong_issuer", "wrong_audience", "expired", "not_yet_valid", "bad_signature"}
	inline := append(common[:len(common):len(common)], "missing_exp", "unknown_kid") // keys with kids
	remote := append(inline[:len(inline):len(inline)], "no_keys")
	rule := func(id string, defers bool, reasons ...string) []policy.Outcome {
		out := []policy.Outcome{{Rule: id, Verdict: policy.Allow}}
		if defers {
			out = append(out, policy.Outcome{Rule: id, Verdict: policy.Defer})
		}
		for _, r := range reasons {
			out = append(out, policy.Outcome{Rule: id, Reason: r, Verdict: policy.Deny})
		}
		return out
	}
	with := func(list []string, more ...string) []string { return append(list[:len(list):len(list)], more...) }
	join := func(lists ...[]policy.Outcome) []policy.Outcome {
		out := policy.PathOutcomes()
		for _, l := range lists {
			out = append(out, l...)
		}
		return out
	}
	for _, c := range []struct {
		name   string
		config []byte
		want   []policy.Outcome
	}{
		{"minimal", readFile(t, "testdata/valid/minimal.json"), join(rule("all", false, with(inline, "missing_token")...))},
		{"inline", readFile(t, "testdata/valid/inline.json"), join(
			rule("public", false),
			rule("admin", false, with(inline, "missing_token", "insufficient_scope")...),
			rule("api", false, with(inline, "missing_token")...),
		)},
		{"full", readFile(t, "testdata/valid/full.json"), join(
			rule("health", false),
			rule("admin", true, with(remote, "missing_token", "insufficient_scope")...),
			rule("order-items", true, with(remote, "missing_token", "insufficient_scope")...), // corp, partners
			rule("batch", true, with(remote, "missing_token")...),                             // internal, corp
			rule("catalog", true, with(remote, "missing_token")...),                           // allowMissing: listed all the same
			rule("best-effort", false),                                                        // allowMissingOrFailed
		)},
		// hs's key has no kid and hs needs no exp: unknown_kid and missing_exp are hs2's.
		{"relaxed", []byte(`{"apiVersion": "wasmward/v1", "plugin": "jwtauthn", "spec": {
		  "providers": [
		    {"id": "hs", "issuer": "i", "audiences": ["a"], "algorithms": ["HS256"], "requireExpiration": false,
		     "hmac": {"env": "JWT_SECRET"}},
		    {"id": "hs2", "issuer": "i", "audiences": ["a"], "algorithms": ["HS256"], "hmac": {"env": "JWT_SECRET", "kid": "k"}}],
		  "rules": [{"id": "either", "match": {}, "scopes": ["s"],
		    "requires": {"anyOf": [{"provider": "hs", "allowMissing": true}, {"provider": "hs2"}]}}]}}`),
			join(rule("either", false, with(common, "missing_token", "insufficient_scope", "missing_exp", "unknown_kid")...))},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, p, err := config.Load(c.config, "jwtauthn", jwtauthn.Parse)
			require.NoError(t, err)
			h := policytest.NewHost()
			h.EnvVars["JWT_SECRET"] = "0123456789abcdef0123456789abcdef"
			h.EnvVars["JWT_HMAC_SECRET"] = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY" // base64url of 32 bytes
			require.NoError(t, p.(policy.Starter).Start(h))
			assert.ElementsMatch(t, c.want, p.(policy.OutcomeLister).Outcomes())
		})
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return b
}
