package chain

import (
	"slices"

	"github.com/wasmward/wasmward/shared/policy"
)

// ProxyNeeds combines the steps' needs: the largest body, every edited header once, the shared
// data of all.
func (c *Chain) ProxyNeeds() policy.ProxyNeeds {
	var n policy.ProxyNeeds
	for i := range c.steps {
		pn, ok := c.steps[i].policy.(policy.ProxyNeeder)
		if !ok {
			continue
		}
		s := pn.ProxyNeeds()
		n.MaxRequestBody = max(n.MaxRequestBody, s.MaxRequestBody)
		n.MaxResponseBody = max(n.MaxResponseBody, s.MaxResponseBody)
		n.SharedDataBytes += s.SharedDataBytes
		for _, h := range s.EditedRequestHeaders {
			if !slices.Contains(n.EditedRequestHeaders, h) {
				n.EditedRequestHeaders = append(n.EditedRequestHeaders, h)
			}
		}
	}
	return n
}
