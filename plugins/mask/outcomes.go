package mask

import "github.com/wasmward/wasmward/shared/policy"

// Outcomes lists every labelled decision the policy returns (policy.OutcomeLister), after Start
// (which sets respOff). By decision site:
//
//   - OnRequest, with request rules: allows labelled request_skipped_not_json and
//     request_skipped_encoded (a body the request rules cannot read).
//   - OnRequestBody (maskBody over the request rules): an allow masked_request under each request
//     rule (the first rule in config order that changed the body), and request_invalid_json.
//   - OnResponse, with response rules: skipped_not_json; and on a host that cannot pause the
//     response phase (respOff, requestOnly on nginx) unprotected_host, where no response body is
//     read, so none of the decisions below occur.
//   - OnResponse and OnResponseBody: blockCompressed (a deny compressed_unreadable, or an allow
//     skipped_encoded when response.compressed is "pass").
//   - OverLimit: over_limit (a deny when response.overLimit is "block", else an allow).
//   - OnResponseBody (maskBody over the response rules): an allow masked under each response
//     rule, and invalid_json.
//
// The policy never marks a deny Shadow and never defers.
func (p *Policy) Outcomes() []policy.Outcome {
	var out []policy.Outcome
	allow := func(rule, reason string) {
		out = append(out, policy.Outcome{Rule: rule, Reason: reason, Verdict: policy.Allow})
	}
	if p.req != nil {
		allow("", reasonRequestNotJSON)
		allow("", reasonRequestEncoded)
		for _, r := range p.req.rules {
			allow(r.id, reasonMaskedRequest)
		}
		allow("", reasonRequestInvalid)
	}
	if p.resp == nil {
		return out
	}
	allow("", reasonSkippedNotJSON)
	if p.respOff {
		allow("", reasonUnprotectedHost)
		return out
	}
	// The decisions that do not depend on the body, as their sites return them.
	out = append(out, outcomeOf(p.blockCompressed()), outcomeOf(p.OverLimit(nil, nil)))
	for _, r := range p.resp.rules {
		allow(r.id, reasonMasked)
	}
	allow("", reasonInvalidJSON)
	return out
}

// outcomeOf is the outcome a decision is counted as.
func outcomeOf(d policy.Decision) policy.Outcome {
	return policy.Outcome{Rule: d.Rule, Reason: d.Reason, Verdict: d.Verdict, Shadow: d.Shadow}
}
