package chain

import "github.com/wasmward/wasmward/shared/policy"

// Outcomes implements policy.OutcomeLister: every step's outcomes (policy.OutcomeLister), which
// the chain returns with their labels as they are (see merger); a step's shadow deny also as an
// allow, which is how the chain returns it when an allowed step's mutations go with it
// (merger.result); and, when a step reads the request body, bodyTooLarge.
func (c *Chain) Outcomes() []policy.Outcome {
	var out []policy.Outcome
	for i := range c.steps {
		s := &c.steps[i]
		if s.body != nil {
			out = append(out, policy.Outcome{Rule: bodyTooLarge.Rule, Reason: bodyTooLarge.Reason, Verdict: policy.Deny})
		}
		l, ok := s.policy.(policy.OutcomeLister)
		if !ok {
			continue
		}
		for _, o := range l.Outcomes() {
			out = append(out, o)
			if o.Verdict == policy.Deny && o.Shadow {
				out = append(out, policy.Outcome{Rule: o.Rule, Reason: o.Reason})
			}
		}
	}
	return out
}
