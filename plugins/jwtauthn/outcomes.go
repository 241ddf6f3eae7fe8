package jwtauthn

import (
	"slices"

	"github.com/wasmward/wasmward/shared/policy"
)

// Outcomes lists the labelled decisions the policy can return (policy.OutcomeLister). It runs
// after Start, which sets the HMAC providers' keys. OnRequest is the only decision site:
//
//   - a path that cannot be normalized: policy.PathRejected (policy.PathOutcomes);
//   - every rule: an allow under its id (its requirement passed, or it has none);
//   - a rule with a requirement that can deny (any but allowMissingOrFailed at its top): a deny
//     under its id for missing_token and for every reason a token of a provider the
//     requirement names can fail with (provider.failureReasons), and the Defer that waits for
//     keys (awaitKeys) when one of those providers waits for its remote keys;
//   - the scope check, for a rule with scopes: insufficient_scope and missing_token.
//
// The list may hold a reason that a relaxation (allowMissing, allowMissingOrFailed deeper in the
// requirement, anyOf) keeps a rule from returning: a counter that stays at zero, where a counter
// left out would be defined while serving (policy.OutcomeLister). The policy never marks a deny
// Shadow.
func (pol *Policy) Outcomes() []policy.Outcome {
	out := policy.PathOutcomes()
	add := func(rule, reason string, v policy.Verdict) {
		if o := (policy.Outcome{Rule: rule, Reason: reason, Verdict: v}); !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	for _, r := range pol.rules {
		add(r.id, "", policy.Allow)
		if r.requires != nil && !r.requires.allowMissingOrFailed {
			add(r.id, reasonMissingToken, policy.Deny)
			r.requires.eachProvider(func(p *provider) {
				if p.remote != nil && p.remote.waitOK {
					add(r.id, "", policy.Defer)
				}
				for _, reason := range p.failureReasons() {
					add(r.id, reason, policy.Deny)
				}
			})
		}
		if len(r.scopes) > 0 {
			add(r.id, reasonMissingToken, policy.Deny)
			add(r.id, reasonInsufficientScope, policy.Deny)
		}
	}
	return out
}

// eachProvider calls f with every provider r names, at any depth.
func (r *requirement) eachProvider(f func(*provider)) {
	if r.provider != nil {
		f(r.provider)
	}
	for _, sub := range r.anyOf {
		sub.eachProvider(f)
	}
	for _, sub := range r.allOf {
		sub.eachProvider(f)
	}
}

// failureReasons are the reasons a failure of p's token can have (evalCtx.check: extract, then
// provider.verify; reasonOf names them).
func (p *provider) failureReasons() []string {
	rs := []string{
		// extract: two different tokens in p's sources.
		reasonMultipleTokens,
		// parseToken, and typs.allows.
		reasonTooLarge, reasonMalformed, reasonBadAlgorithm, reasonBadHeader, reasonBadTyp,
		// checkClaims.
		reasonWrongIssuer, reasonWrongAudience, reasonExpired, reasonNotYetValid,
		// verifySignature.
		reasonBadSignature,
	}
	if p.requireExp {
		rs = append(rs, reasonMissingExp)
	}
	if p.remote != nil {
		rs = append(rs, reasonNoKeys) // keysAt: none fetched yet, or dropped stale
	}
	if p.remote != nil || p.keys.missesAnyKid(p.algs) {
		rs = append(rs, reasonUnknownKid) // KeySet.candidates; a remote key set can be anything
	}
	return rs
}

// missesAnyKid reports whether a token with some algorithm of algs can find no key
// (KeySet.candidates): a kid no key carries finds only the keys without one.
func (ks *KeySet) missesAnyKid(algs algSet) bool {
	var kidless algSet
	if ks != nil {
		for _, k := range ks.keys {
			if !k.hasKid {
				kidless |= k.algs
			}
		}
	}
	return algs&^kidless != 0
}
