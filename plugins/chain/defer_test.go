package chain

import (
	"testing"

	"github.com/wasmward/wasmward/shared/policy"
)

// TestDeferStopsTheChain: a step waiting for its own callout (jwtauthn's keys, a rate limit
// service) stops the chain with its Defer: it is never merged as an allow. Decided again, the
// chain goes on from that step (earlier steps do not run twice), only that step sees Awaited,
// and a later step may wait in turn.
func TestDeferStopsTheChain(t *testing.T) {
	first := &fake{onRequest: func(*policy.Request) policy.Decision {
		return policy.Decision{SetHeaders: [][2]string{{"x-first", "1"}}}
	}}
	// waits defers until decided again, then answers after.
	waits := func(name string, after policy.Decision) *fake {
		return &fake{onRequest: func(req *policy.Request) policy.Decision {
			if !req.Awaited {
				return policy.Decision{Verdict: policy.Defer, Rule: name, Await: func(func()) bool { return true }}
			}
			return after
		}}
	}
	second, third := waits("second", policy.Allowed()), waits("third", policy.Allowed())
	c := chainOf(first, second, third)
	req := policy.NewRequest([][2]string{{":path", "/"}}, nil, nil)

	if d := c.OnRequest(req); d.Verdict != policy.Defer || d.Rule != "second" {
		t.Fatalf("first pass: %v %q, want the second step's Defer", d.Verdict, d.Rule)
	}
	req.Awaited = true
	if d := c.OnRequest(req); d.Verdict != policy.Defer || d.Rule != "third" {
		t.Fatalf("second pass: %v %q, want the third step's Defer", d.Verdict, d.Rule)
	}
	d := c.OnRequest(req)
	if d.Verdict != policy.Allow {
		t.Fatalf("last pass: %v %s", d.Verdict, d.Reason)
	}
	if first.calls != 1 || second.calls != 2 || third.calls != 2 {
		t.Errorf("calls %d %d %d, want 1 2 2: earlier steps must not run again", first.calls, second.calls, third.calls)
	}
	if len(d.SetHeaders) != 1 || d.SetHeaders[0][0] != "x-first" {
		t.Errorf("the first step's mutations are kept: %v", d.SetHeaders)
	}

	// A step that denies after its wait denies the chain.
	denier := waits("auth", policy.Denied(401, "auth", "after_wait", nil))
	c = chainOf(denier, &fake{})
	req = policy.NewRequest([][2]string{{":path", "/"}}, nil, nil)
	if d := c.OnRequest(req); d.Verdict != policy.Defer {
		t.Fatalf("want Defer, got %v", d.Verdict)
	}
	req.Awaited = true
	if d := c.OnRequest(req); d.Verdict != policy.Deny || d.Reason != "after_wait" {
		t.Fatalf("after the wait: %v %q, want the step's deny", d.Verdict, d.Reason)
	}
}
