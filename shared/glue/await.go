package glue

import (
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/wasmward/wasmward/shared/metrics"
	"github.com/wasmward/wasmward/shared/policy"
)

// await holds the request for a Defer decision: it registers the stream with the policy
// (Decision.Await) and reports whether the request now waits. When the policy cannot wait the
// caller decides again at once (decideAgain): never a hang.
func (c *httpContext) await(d policy.Decision) bool {
	c.waiting = true
	if d.Await != nil && d.Await(c.resume) {
		c.p.count(d.Rule, "awaiting_callout", metrics.Allow)
		return true
	}
	c.waiting = false
	return false
}

// resume runs from the callout's callback that ends the wait: it decides the request again and
// either replies or lets it go on (a body that ended meanwhile is decided first). It recovers
// like guard: a panic fails the request closed.
func (c *httpContext) resume() {
	if c.done || !c.waiting {
		return // the client went away; its context is gone
	}
	c.waiting = false
	_ = proxywasm.SetEffectiveContext(c.id)
	defer func() {
		if r := recover(); r != nil {
			c.p.host.Log(policy.LogError, "internal error resuming a request: "+panicText(r))
			c.p.count("", "internal_error", metrics.Error)
			if !c.replied {
				c.replied = true
				_ = proxywasm.SendHttpResponse(500, nil, failureBody, -1)
			}
		}
	}()
	d := c.decideAgain()
	if c.apply(d, requestHeaders, !c.bufferBody) {
		return
	}
	if c.bufferBody && c.bodyEnded && c.decideRequestBody(c.bodySize) == types.ActionPause {
		return // replied
	}
	// A body still streaming in is decided in its own phase, which resumes it.
	_ = proxywasm.ResumeHttpRequest()
}

// decideAgain is the policy's decision once the wait is over; a policy that defers again is
// answered 503 (it must not).
func (c *httpContext) decideAgain() policy.Decision {
	c.req.Awaited = true
	d := c.p.policy.OnRequest(c.req)
	if d.Verdict == policy.Defer {
		d = policy.Denied(503, d.Rule, "callout_unavailable", []byte("service unavailable\n"))
	}
	return d
}
