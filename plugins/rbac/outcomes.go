package rbac

import "github.com/wasmward/wasmward/shared/policy"

// Outcomes implements policy.OutcomeLister: the decisions OnRequest can return (see decide),
// for this config on this host.
//   - A path NormalizedPath refuses: policy.PathOutcomes.
//   - An enforced DENY rule: denied; host_unavailable as well when the rule reads the mTLS peer
//     certificate and the host cannot give it (Start).
//   - A shadow DENY rule: shadow_denied, a shadow deny, unless nothing could have allowed the
//     request (a default deny and no enforced ALLOW rule).
//   - No enforced rule matched: default_deny or default_allow, with no rule.
//
// Shadow ALLOW and LOG rules only add audit details.
func (p *Policy) Outcomes() []policy.Outcome {
	out := policy.PathOutcomes()
	// An enforced ALLOW rule: allowed.
	enforcedAllow := false
	for _, r := range p.allow.all {
		if !r.shadow {
			enforcedAllow = true
			out = append(out, policy.Outcome{Rule: r.id, Reason: reasonAllowed})
		}
	}
	for _, r := range p.deny.all {
		switch {
		case r.shadow:
			if enforcedAllow || !p.defaultDeny {
				out = append(out, policy.Outcome{Rule: r.id, Reason: reasonShadowDenied, Verdict: policy.Deny, Shadow: true})
			}
		case p.noPeer && r.peer:
			out = append(out, policy.Outcome{Rule: r.id, Reason: reasonDenied, Verdict: policy.Deny},
				policy.Outcome{Rule: r.id, Reason: reasonUnavailable, Verdict: policy.Deny})
		default:
			out = append(out, policy.Outcome{Rule: r.id, Reason: reasonDenied, Verdict: policy.Deny})
		}
	}
	if p.defaultDeny {
		return append(out, policy.Outcome{Reason: reasonDefaultDeny, Verdict: policy.Deny})
	}
	return append(out, policy.Outcome{Reason: reasonDefaultAllow})
}
