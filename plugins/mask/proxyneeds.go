package mask

import "github.com/wasmward/wasmward/shared/policy"

// ProxyNeeds is the request body limit (when request rules read bodies) and the request
// headers removed or set by headers.request.
func (p *Policy) ProxyNeeds() policy.ProxyNeeds {
	n := policy.ProxyNeeds{EditedRequestHeaders: append([]string(nil), p.reqRemove...)}
	for _, h := range p.reqSet {
		n.EditedRequestHeaders = append(n.EditedRequestHeaders, h[0])
	}
	if p.req != nil {
		n.MaxRequestBody = p.reqLimit
	}
	if p.resp != nil {
		n.EditedRequestHeaders = append(n.EditedRequestHeaders, "accept-encoding")
		n.MaxResponseBody = p.respLimit
	}
	return n
}
