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
				_ = c.sendReply(500, nil, failureBody)
			}
		}
	}()
	d, waiting := c.settle(c.decideAgain())
	if waiting {
		return // a later step waits for its own callout; resumed again from it
	}
	if c.apply(d, requestHeaders, !c.bufferBody) {
		return
	}
	if c.bufferBody && c.bodyEnded && c.decideRequestBody(c.bodySize) == types.ActionPause {
		return // replied
	}
	// A body still streaming in is decided in its own phase, which resumes it.
	_ = proxywasm.ResumeHttpRequest()
}

// maxAwaits bounds the waits of one request (a chain's steps may each wait once).
const maxAwaits = 8

// settle turns a Defer decision into a wait (true: the request now waits), or, when the
// request cannot wait, into the decision taken again at once; other decisions pass unchanged.
func (c *httpContext) settle(d policy.Decision) (policy.Decision, bool) {
	for d.Verdict == policy.Defer {
		if c.awaits >= maxAwaits {
			return policy.Denied(503, d.Rule, "callout_unavailable", []byte("service unavailable\n")), false
		}
		c.awaits++
		if c.await(d) {
			return d, true
		}
		d = c.decideAgain()
	}
	return d, false
}

// decideAgain is the policy's decision once a wait is over (or could not start).
func (c *httpContext) decideAgain() policy.Decision {
	c.req.Awaited = true
	return c.p.policy.OnRequest(c.req)
}

// repliedMarker is set on a request (nginx: a host property of the request, shared by its
// filters) by a filter that sent a local reply. ngx_wasm_module still runs the next filters'
// request callbacks after a reply sent from a callout's callback, and a second reply traps the
// instance ("local response already stashed", measured): a later wasmward filter that finds the
// marker lets the request pass untouched, the reply being already decided.
var repliedMarker = newPropertyPath("wasmx", "wasmward_replied")

// sendReply sends a local reply, marking the request on nginx (repliedMarker).
func (c *httpContext) sendReply(status int, headers [][2]string, body []byte) error {
	if c.p.host.caps.MarksRemovedHeaders {
		_ = proxywasm.SetProperty(repliedMarker.parts, []byte("1"))
	}
	return proxywasm.SendHttpResponse(uint32(status), headers, body, -1)
}

// repliedBefore reports whether an earlier filter already replied to this request (nginx).
func (c *httpContext) repliedBefore() bool {
	if !c.p.host.caps.MarksRemovedHeaders {
		return false
	}
	v, ok := getProperty(repliedMarker)
	return ok && string(v) == "1"
}
