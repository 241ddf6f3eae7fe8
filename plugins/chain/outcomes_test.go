package chain

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/wasmward/wasmward/shared/policy"
)

// lister is a fake policy listing outcomes.
type lister struct {
	fake
	outcomes []policy.Outcome
}

func (l *lister) Outcomes() []policy.Outcome { return l.outcomes }

// TestOutcomes: the chain lists its steps' outcomes, a step's shadow deny also as the allow it
// is folded into, and its own body_too_large when a step reads bodies; a step that lists
// nothing adds nothing.
func TestOutcomes(t *testing.T) {
	deny := policy.Outcome{Rule: "a", Reason: "x", Verdict: policy.Deny}
	shadow := policy.Outcome{Rule: "b", Reason: "y", Verdict: policy.Deny, Shadow: true}
	wait := policy.Outcome{Rule: "c", Verdict: policy.Defer}
	c := newChain([]step{
		newStep("first", &lister{outcomes: []policy.Outcome{deny, shadow}}),
		newStep("body", &bodyPolicy{limit: 10}),
		newStep("last", &lister{outcomes: []policy.Outcome{wait}}),
	})
	assert.ElementsMatch(t, []policy.Outcome{deny, shadow, {Rule: "b", Reason: "y"}, wait,
		{Reason: "body_too_large", Verdict: policy.Deny}}, c.(policy.OutcomeLister).Outcomes())
}
