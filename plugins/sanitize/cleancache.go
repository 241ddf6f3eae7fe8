package sanitize

import (
	"strings"
	"sync"
)

// cleanHeaders remembers header values inspected and found clean, so that the values every
// request of a client repeats (User-Agent, Accept, Accept-Language, Content-Type) are
// inspected once rather than on every request. Only values whose whole inspection recorded
// nothing and charged nothing beyond the value itself are remembered (no finding, no bad
// encoding, nothing decoded inside them, decodeNested), keyed by route, location and the exact
// value: a hit skips work that would find nothing and nothing else. Credentials are never kept
// (locations secretNames flags), nor values longer than maxCleanValue.
//
// The table is direct-mapped (a slot per hash, the newest value wins): bounded memory, no
// eviction work, and values that collide only cost their inspection. A mutex guards it for
// native hosts that share a policy between goroutines; proxy-wasm runs one request at a time.
type cleanHeaders struct {
	mu    sync.Mutex
	slots [cleanSlots]cleanEntry
}

// cleanSlots is the table size and maxCleanValue the longest value kept: at most about
// 128 × 512 bytes.
const (
	cleanSlots    = 128
	maxCleanValue = 512
)

type cleanEntry struct {
	r        *route
	loc, raw string
}

// keeps reports whether a value at loc is one the table may keep.
func (c *cleanHeaders) keeps(loc, raw string) bool {
	return c != nil && len(raw) <= maxCleanValue && strings.HasPrefix(loc, "header.") && !secretNames.in(loc)
}

// slot is the table slot of loc and raw (FNV-1a: the table only needs a spread, a collision
// costs an inspection).
func slot(loc, raw string) int {
	h := uint32(2166136261)
	for _, s := range [2]string{loc, raw} {
		for i := 0; i < len(s); i++ {
			h = (h ^ uint32(s[i])) * 16777619
		}
	}
	return int(h % cleanSlots)
}

// has reports raw at loc on route r as found clean before.
func (c *cleanHeaders) has(r *route, loc, raw string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := &c.slots[slot(loc, raw)]
	return e.r == r && e.loc == loc && e.raw == raw
}

// add remembers raw at loc on route r as clean, copied: the request's buffers are not kept.
func (c *cleanHeaders) add(r *route, loc, raw string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slots[slot(loc, raw)] = cleanEntry{r: r, loc: strings.Clone(loc), raw: strings.Clone(raw)}
}
