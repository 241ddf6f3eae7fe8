package ratelimit

import (
	"fmt"

	"github.com/wasmward/wasmward/shared/policy"
)

// ZoneBytesPerSlot is what one slot takes of an ngx_wasm_module shm_kv zone, the zone's own
// overhead included: its key ("wasmward.ratelimit.<namespace>.<b|x>.<n>"), its 49-byte record
// and the zone's node fit one 256-byte slab chunk (whatever the namespace's length, up to 64),
// and the zone's slab pages take under 1% more. Measured in nginx 1.27.4 + ngx_wasm_module
// (e2e/nginx TestShmKVEviction: a 1 MiB zone keeps 4,063 slots, 4 MiB 16,271).
const ZoneBytesPerSlot = 260

// checkEvicted logs, once per VM, that the host evicted missing slots of the tables: a shared
// store that evicts (ngx_wasm_module's shm_kv zone when full; Envoy's never does) silently
// resets the evicted keys' buckets and bans. Rate limiting fails safe here: the plugin keeps
// enforcing with the slots that survive (an evicted slot reads as free and is written again)
// rather than refusing every request, and says so in one error line naming keys.max and the
// zone size needed.
func (p *Policy) checkEvicted(missing int) {
	if missing == 0 || p.evictionLogged {
		return
	}
	p.evictionLogged = true
	p.host.Log(policy.LogError, p.evictionLine(missing))
}

// evictionLine is checkEvicted's message.
func (p *Policy) evictionLine(missing int) string {
	need := (p.ZoneBytes() + 1<<20 - 1) >> 20 // MiB, rounded up
	return fmt.Sprintf("shared data evicted %d of %d rate-limit slots (keys.max %d × %d table(s)): "+
		"the store is too small to hold them (nginx: the shm_kv zone), so evicted keys' buckets and bans silently reset; "+
		"give the shm_kv zone at least %dm (about %d bytes per slot) or lower keys.max; "+
		"limits stay enforced with the slots that remain", missing, p.tables()*p.keys.max, p.keys.max, p.tables(), need, ZoneBytesPerSlot)
}

// tables is how many slot tables the policy keeps: one for its limits, one for its bans.
func (p *Policy) tables() int {
	n := 0
	if len(p.limits) > 0 {
		n++
	}
	if len(p.bans) > 0 {
		n++
	}
	return n
}

// ZoneBytes is what the policy's shared data takes of an ngx_wasm_module shm_kv zone: keys.max
// slots per table, and the ban horizon's key with bans (ZoneBytesPerSlot each). The zone, shared
// by every ratelimit filter of the nginx, must hold the sum of theirs.
func (p *Policy) ZoneBytes() int {
	keys := p.tables() * p.keys.max
	if len(p.bans) > 0 {
		keys++ // the horizon
	}
	return keys * ZoneBytesPerSlot
}
