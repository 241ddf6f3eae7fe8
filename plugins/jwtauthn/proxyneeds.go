package jwtauthn

import (
	"slices"

	"github.com/wasmward/wasmward/shared/policy"
)

// ProxyNeeds lists every request header the plugin may remove or replace: the claim and payload
// headers (stripped, then set), authorization, the token-source headers and cookie (unverified
// tokens there are removed).
func (pol *Policy) ProxyNeeds() policy.ProxyNeeds {
	edited := slices.Clone(pol.stripAuthz)
	for _, s := range pol.sources.headers {
		edited = append(edited, s.header)
	}
	if len(pol.sources.cookies) > 0 {
		edited = append(edited, "cookie")
	}
	slices.Sort(edited)
	return policy.ProxyNeeds{EditedRequestHeaders: slices.Compact(edited)}
}
