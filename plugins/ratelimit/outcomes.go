package ratelimit

import (
	"slices"

	"github.com/wasmward/wasmward/shared/policy"
)

// Outcomes implements policy.OutcomeLister: the labelled decisions of this config, rule by rule.
// A store failure (contention, store_error) is listed only on shared data: the per-VM store
// Start picks without it never fails. Through conflict, a failure is an audited allow with
// shared.onConflict "allow", else a deny (never shadow).
//   - A local limit (checkLimit): rate_limited, key_cap with keys.atCap "reject" (both denies,
//     shadow with the limit's shadow), contention and store_error through conflict.
//   - An rls limit: its Defer (deferRLS); rate_limited (denyRLS, and the pre-bucket in
//     prepareRLS, the fallback bucket in rlsFailed); failureMode in rlsFailed: a deny
//     rls_unavailable, or with "allow" the allow rls_unavailable and store_error through conflict.
//   - A ban: banned (denyBan from checkBan, checkBanRLS, finishBanCall), store_error through
//     conflict; with backend "rls" also its Defer (deferRLS: a check or a publication) and the
//     allow rls_unavailable (finishBanCall).
//   - Any rls callout: resumeRLS's deny rls_unavailable with no rule (a paused request's state
//     pruned before it resumed).
//   - A ban's response phase (BanningPolicy.OnResponse), allows: ban_started, key_cap with
//     keys.atCap "reject", contention and store_error.
func (p *Policy) Outcomes() []policy.Outcome {
	var out []policy.Outcome
	add := func(o policy.Outcome) {
		if !slices.Contains(out, o) { // a ban's store_error may be listed by both phases
			out = append(out, o)
		}
	}
	deny := func(rule, reason string, shadow bool) {
		add(policy.Outcome{Rule: rule, Reason: reason, Verdict: policy.Deny, Shadow: shadow})
	}
	allow := func(rule, reason string) { add(policy.Outcome{Rule: rule, Reason: reason}) }
	wait := func(rule string) { add(policy.Outcome{Rule: rule, Verdict: policy.Defer}) }
	conflict := func(rule, reason string) { // as Policy.conflict
		if p.perVM {
			return
		}
		if p.shared.allowConflict {
			allow(rule, reason)
		} else {
			deny(rule, reason, false)
		}
	}
	callouts := false
	for _, l := range p.limits {
		deny(l.id, ReasonLimited, l.shadow)
		if l.rls == nil {
			if !p.keys.evict {
				deny(l.id, ReasonKeyCap, l.shadow)
			}
			conflict(l.id, ReasonContention)
			conflict(l.id, ReasonStoreError)
			continue
		}
		callouts = true
		wait(l.id)
		if !l.rls.allow {
			deny(l.id, ReasonRLSUnavailable, l.shadow)
			continue
		}
		allow(l.id, ReasonRLSUnavailable)
		conflict(l.id, ReasonStoreError) // the fallback bucket: contention is a store_error there
	}
	for _, b := range p.bans {
		deny(b.id, ReasonBanned, b.shadow)
		conflict(b.id, ReasonStoreError)
		if b.rls != nil {
			callouts = true
			wait(b.id)
			allow(b.id, ReasonRLSUnavailable)
		}
	}
	if callouts {
		deny("", ReasonRLSUnavailable, false)
	}
	for _, b := range p.bans { // OnResponse
		allow(b.id, ReasonBanStarted)
		if !p.keys.evict {
			allow(b.id, ReasonKeyCap)
		}
		if !p.perVM {
			allow(b.id, ReasonContention)
			allow(b.id, ReasonStoreError)
		}
	}
	return out
}
