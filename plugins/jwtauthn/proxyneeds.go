package jwtauthn

import "github.com/wasmward/wasmward/shared/policy"

// ProxyNeeds lists the claim and payload headers the plugin strips and sets, and authorization
// when a provider removes it.
func (pol *Policy) ProxyNeeds() policy.ProxyNeeds {
	return policy.ProxyNeeds{EditedRequestHeaders: pol.stripAuthz}
}
