package ratelimit

import (
	"hash/crc32"
	"strconv"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/policytest"
)

// evictionSpec has both tables (limits and bans) of 64 slots each, in namespace ns.
func evictionSpec(ns string) string {
	return `{"limits": [{"id": "ip", "descriptor": [{"key": "ip", "type": "sourceIP"}],
	"bucket": {"capacity": 2, "fillInterval": "1m"}}],
	"bans": [{"id": "auth", "descriptor": [{"key": "ip", "type": "sourceIP"}],
	"statuses": [401], "threshold": 2, "window": "1m", "duration": "10m"}],
	"keys": {"max": 64}, "shared": {"namespace": "` + ns + `"}}`
}

// evictionLines returns the host's eviction reports.
func evictionLines(h *policytest.Host) []string {
	var out []string
	for _, l := range h.Lines {
		if strings.Contains(l, "shared data evicted") {
			out = append(out, l)
		}
	}
	return out
}

// TestEvictionReported: a store that evicts (ngx_wasm_module's full shm_kv zone) is reported in
// one error line naming keys.max and the zone size, at start when the tables do not fit, or at
// a tick when slots disappear later (another table filled the zone); limiting goes on. A store
// holding every slot, and the per-VM store (no shared data), report nothing.
func TestEvictionReported(t *testing.T) {
	const slots = 2*64 + 1 // two tables and the ban horizon
	errorLevel := strconv.Itoa(int(policy.LogError)) + " "
	for _, tc := range []struct {
		name         string
		maxKeys      int
		noShared     bool
		neighbour    bool // a second namespace starts after and fills the store
		atStart      bool
		atTick, none bool
	}{
		{name: "fits", maxKeys: slots, none: true},
		{name: "unbounded store", none: true},
		{name: "per-VM store", noShared: true, none: true},
		// The horizon, written first, goes first; it is no slot (missing, it only costs reads).
		{name: "one key short: the horizon goes", maxKeys: slots - 1, none: true},
		{name: "too small at start", maxKeys: slots - 2, atStart: true},
		{name: "evicted later by a neighbour", maxKeys: slots, neighbour: true, atTick: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := policytest.NewHost()
			h.Store.MaxKeys, h.NoShared = tc.maxKeys, tc.noShared
			p := startInternal(t, evictionSpec("edge"), h)
			if got := evictionLines(h); tc.atStart != (len(got) == 1) || len(got) > 1 {
				t.Fatalf("at start: %q (want a line: %v)", got, tc.atStart)
			}
			if tc.neighbour {
				other := policytest.NewHost()
				other.Store = h.Store
				startInternal(t, evictionSpec("other"), other)
			}
			for range 3 {
				p.Tick(h.Now())
			}
			got := evictionLines(h)
			if tc.none {
				if len(got) != 0 {
					t.Fatalf("reported: %q", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d lines, want 1: %q", len(got), got)
			}
			for _, want := range []string{errorLevel, "keys.max 64 × 2 table(s)", "shm_kv zone at least 1m", "260 bytes per slot"} {
				if !strings.Contains(got[0], want) {
					t.Errorf("line %q lacks %q", got[0], want)
				}
			}
			// Limiting goes on with the slots that remain: the third request is refused.
			for i, want := range []policy.Verdict{policy.Allow, policy.Allow, policy.Deny} {
				if d := p.OnRequest(banReq("198.51.100.7:1")); d.Verdict != want {
					t.Fatalf("request %d: %v, want %v", i, d.Verdict, want)
				}
			}
		})
	}
}

// TestSlotKeysCRC32Distinct: ngx_wasm_module's shm_kv finds a key by its CRC-32 alone (two keys
// with one CRC-32 are one entry: e2e/nginx TestShmKVKeysByCRC32), so every key the tables
// create, slots and ban horizon, must have a CRC-32 of its own, also next to other namespaces'
// keys in the same zone. CRC-32 tells apart any two keys of one length that differ within 4
// consecutive bytes (two of a table's first 10,000 slots with as many digits); this checks
// every pair, for the default keys.max in the namespaces of the shipped configs and a few more,
// in one store as in one zone.
func TestSlotKeysCRC32Distinct(t *testing.T) {
	h := policytest.NewHost()
	for _, ns := range []string{"default", "edge", "api", "internal", "tenant-a", "tenant-b", strings.Repeat("n", 64)} {
		startInternal(t, strings.Replace(evictionSpec(ns), `"max": 64`, `"max": 10000`, 1), h)
	}
	keys := h.Store.Keys()
	if want := 7 * (2*10000 + 1); len(keys) != want {
		t.Fatalf("%d keys in the store, want %d", len(keys), want)
	}
	seen := make(map[uint32]string, len(keys))
	for _, k := range keys {
		sum := crc32.ChecksumIEEE([]byte(k))
		if other, ok := seen[sum]; ok {
			t.Errorf("keys %q and %q have the same CRC-32 %08x: one entry in an shm_kv zone", other, k, sum)
		}
		seen[sum] = k
	}
}
