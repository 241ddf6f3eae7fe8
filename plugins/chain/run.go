package chain

import (
	"github.com/wasmward/wasmward/shared/policy"
)

// bodyTooLarge is the decision when a request body exceeds a step's own limit; it is the reply
// the glue gives when a separate filter's limit is exceeded.
var bodyTooLarge = policy.Denied(413, "", "body_too_large", []byte("request body too large\n"))

// OnRequest runs every step's OnRequest in order (see the package doc). A step that defers
// (waits for its own callout: keys, a rate limit service) stops the chain there; when the glue
// decides again, the chain goes on from that step with what it had merged, and only that step
// sees Request.Awaited (a later step may wait in turn).
func (c *Chain) OnRequest(req *policy.Request) policy.Decision {
	var m merger
	start, awaited := 0, req.Awaited
	if r, ok := req.Continuation.(*resumeAt); ok {
		m, start, req.Continuation = r.merged, r.step, nil
	}
	defer func() { req.Awaited = awaited }()
	for i := start; i < len(c.steps); i++ {
		s := &c.steps[i]
		req.Awaited = awaited && i == start
		d := s.policy.OnRequest(req)
		if d.Verdict == policy.Defer {
			req.Continuation = &resumeAt{step: i, merged: m}
			d.Details = withDetail(d.Details, DetailPolicy, s.name)
			return d
		}
		if final, stop := m.add(s.name, d); stop {
			return final
		}
		applyRequest(req, d)
	}
	return m.result()
}

// resumeAt is where a deferred request goes on (Request.Continuation).
type resumeAt struct {
	step   int
	merged merger
}

// applyRequest makes an allowed decision visible to the next policy.
func applyRequest(req *policy.Request, d policy.Decision) {
	if d.Verdict == policy.Deny { // shadow deny: only its header removals apply
		applyHeaders(&req.Headers, policy.Decision{RemoveHeaders: d.RemoveHeaders})
		return
	}
	applyHeaders(&req.Headers, d)
	if d.ReplaceBody != nil {
		req.Body = d.ReplaceBody
	}
	if d.Identity != nil {
		req.SetIdentity(d.Identity)
	}
}

// WantsRequestBody reports whether any step wants the request body.
func (c *Chain) WantsRequestBody(req *policy.Request) bool {
	for i := range c.steps {
		if b := c.steps[i].body; b != nil && b.WantsRequestBody(req) {
			return true
		}
	}
	return false
}

// RequestBodyLimit is the largest limit of the steps that want the body; a step whose own limit
// is smaller denies with 413 in OnRequestBody, as its own filter would.
func (c *Chain) RequestBodyLimit(req *policy.Request) int {
	limit := 0
	for i := range c.steps {
		if b := c.steps[i].body; b != nil && b.WantsRequestBody(req) {
			limit = max(limit, b.RequestBodyLimit(req))
		}
	}
	return limit
}

// OnRequestBody runs the body phase of every step that wants the body, in order.
func (c *Chain) OnRequestBody(req *policy.Request) policy.Decision {
	var m merger
	for i := range c.steps {
		s := &c.steps[i]
		if s.body == nil || !s.body.WantsRequestBody(req) {
			continue
		}
		d := bodyTooLarge
		if len(req.Body) <= s.body.RequestBodyLimit(req) {
			d = s.body.OnRequestBody(req)
		}
		if final, stop := m.add(s.name, d); stop {
			return final
		}
		applyRequest(req, d)
	}
	return m.result()
}

// OnResponse runs every step's response-headers phase in order.
func (c responseChain) OnResponse(req *policy.Request, resp *policy.Response) policy.Decision {
	var m merger
	for i := range c.steps {
		s := &c.steps[i]
		if s.response == nil {
			continue
		}
		d := s.response.OnResponse(req, resp)
		if final, stop := m.add(s.name, d); stop {
			return final
		}
		applyResponse(resp, d)
	}
	return m.result()
}

// applyResponse makes an allowed response decision visible to the next policy.
func applyResponse(resp *policy.Response, d policy.Decision) {
	if d.Verdict == policy.Deny {
		return
	}
	applyHeaders(&resp.Headers, d)
	if d.ReplaceBody != nil {
		resp.Body = d.ReplaceBody
	}
}

// WantsResponseBody reports whether any step wants the response body.
func (c responseChain) WantsResponseBody(req *policy.Request, resp *policy.Response) bool {
	for i := range c.steps {
		if b := c.steps[i].respBody; b != nil && b.WantsResponseBody(req, resp) {
			return true
		}
	}
	return false
}

// ResponseBodyLimit is the largest limit of the response-body steps; a step whose own limit is
// smaller gets its OverLimit decision in OnResponseBody.
func (c responseChain) ResponseBodyLimit() int {
	limit := 0
	for i := range c.steps {
		if b := c.steps[i].respBody; b != nil {
			limit = max(limit, b.ResponseBodyLimit())
		}
	}
	return limit
}

// OnResponseBody runs the response-body phase of every step that wants the body, in order, each
// seeing the body as the previous one rewrote it.
func (c responseChain) OnResponseBody(req *policy.Request, resp *policy.Response) policy.Decision {
	var m merger
	for i := range c.steps {
		s := &c.steps[i]
		if s.respBody == nil || !s.respBody.WantsResponseBody(req, resp) {
			continue
		}
		var d policy.Decision
		if len(resp.Body) > s.respBody.ResponseBodyLimit() {
			d = s.respBody.OverLimit(req, resp)
		} else {
			d = s.respBody.OnResponseBody(req, resp)
		}
		if final, stop := m.add(s.name, d); stop {
			return final
		}
		applyResponse(resp, d)
	}
	return m.result()
}

// OverLimit combines the over-limit decisions of the steps that want the body.
func (c responseChain) OverLimit(req *policy.Request, resp *policy.Response) policy.Decision {
	var m merger
	for i := range c.steps {
		s := &c.steps[i]
		if s.respBody == nil || !s.respBody.WantsResponseBody(req, resp) {
			continue
		}
		d := s.respBody.OverLimit(req, resp)
		if final, stop := m.add(s.name, d); stop {
			return final
		}
	}
	return m.result()
}
