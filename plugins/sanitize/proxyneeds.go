package sanitize

import "github.com/wasmward/wasmward/shared/policy"

// ProxyNeeds is the largest body limit of any route and, where a route sanitizes, the headers
// sanitize mode removes: the inspected headers and cookie.
func (p *Policy) ProxyNeeds() policy.ProxyNeeds {
	var n policy.ProxyNeeds
	sanitizes := false
	for _, r := range append([]*route{p.def}, p.routes...) {
		n.MaxRequestBody = max(n.MaxRequestBody, r.limits.MaxBodyBytes)
		sanitizes = sanitizes || r.mode == Sanitize
		for _, m := range r.rules {
			sanitizes = sanitizes || m == Sanitize
		}
	}
	if sanitizes {
		n.EditedRequestHeaders = append([]string{"cookie"}, p.headers...)
	}
	return n
}
