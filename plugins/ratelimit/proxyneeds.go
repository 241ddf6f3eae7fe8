package ratelimit

import "github.com/wasmward/wasmward/shared/policy"

// ProxyNeeds reports the shm_kv zone the policy's tables take on nginx (ZoneBytes), for the
// generated configs to size the zone.
func (p *Policy) ProxyNeeds() policy.ProxyNeeds {
	return policy.ProxyNeeds{SharedDataBytes: p.ZoneBytes()}
}
