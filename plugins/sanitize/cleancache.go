package sanitize

import (
	"strings"
	"sync"
)

// cleanValues remembers values inspected and found clean, so that what every request of a client
// or an API repeats is inspected once rather than on every request:
//   - header values (User-Agent, Accept, Accept-Language, Content-Type), up to maxCleanValue
//     bytes, never at a credential's location (secretNames);
//   - path segments ("/api/v1/orders": api, v1, orders) and field names (JSON keys, query,
//     form and cookie parameter names: an API's vocabulary), up to maxCleanName bytes: longer
//     ones are identifiers or tokens, which do not repeat and are not worth keeping;
//   - whole paths (at "path"), up to maxCleanValue bytes: a path's walk (inspectPath: each
//     segment, then the whole path) is skipped at once, its charge to the inspection budget
//     kept with it and charged again, so that the budget runs out where it did.
//
// Only values whose whole inspection recorded nothing and charged nothing beyond the value
// itself are remembered (no finding, no bad encoding, nothing decoded inside them,
// decodeNested), keyed by route, location, part (a name and a value at the same location are
// inspected differently: only a value is decoded inside) and the exact value: a hit skips work
// that would find nothing and nothing else.
//
// The table is direct-mapped (a slot per hash, the newest value wins): bounded memory, no
// eviction work, and values that collide only cost their inspection. A mutex guards it for
// native hosts that share a policy between goroutines; proxy-wasm runs one request at a time.
type cleanValues struct {
	mu    sync.Mutex
	slots [cleanSlots]cleanEntry
}

// cleanSlots is the table size, maxCleanValue the longest header value kept and maxCleanName the
// longest path segment or name: at most about 512 × 512 bytes.
const (
	cleanSlots    = 512
	maxCleanValue = 512
	maxCleanName  = 64
)

type cleanEntry struct {
	r        *route
	name     bool
	loc, raw string
	// charge is what a whole path's walk charged the budget; the other values' inspection is
	// charged before the look-up.
	charge int
}

// keeps reports whether the table may keep raw, inspected as part ("value" or "name") at loc.
func (c *cleanValues) keeps(loc, raw, part string) bool {
	switch {
	case c == nil:
		return false
	case part == "name" || strings.HasPrefix(loc, "path["):
		return len(raw) <= maxCleanName
	case loc == "path":
		return len(raw) <= maxCleanValue
	default:
		return strings.HasPrefix(loc, "header.") && c.keepsHeader(raw, secretNames.in(loc))
	}
}

// keepsHeader reports whether the table may keep raw, a header's value, at a credential's
// location (secret: secretNames in it) or another.
func (c *cleanValues) keepsHeader(raw string, secret bool) bool {
	return c != nil && len(raw) <= maxCleanValue && !secret
}

// slot is the table slot of loc, raw and part (FNV-1a: the table only needs a spread, a
// collision costs an inspection).
func slot(loc, raw string, name bool) int {
	h := uint32(2166136261)
	if name {
		h = (h ^ 1) * 16777619
	}
	for _, s := range [2]string{loc, raw} {
		for i := 0; i < len(s); i++ {
			h = (h ^ uint32(s[i])) * 16777619
		}
	}
	return int(h % cleanSlots)
}

// has reports raw, as part at loc on route r, as found clean before.
func (c *cleanValues) has(r *route, loc, raw, part string) bool {
	_, ok := c.charged(r, loc, raw, part)
	return ok
}

// charged reports raw, as part at loc on route r, as found clean before, with the charge it was
// remembered with.
func (c *cleanValues) charged(r *route, loc, raw, part string) (int, bool) {
	name := part == "name"
	c.mu.Lock()
	defer c.mu.Unlock()
	e := &c.slots[slot(loc, raw, name)]
	if e.r == r && e.name == name && e.loc == loc && e.raw == raw {
		return e.charge, true
	}
	return 0, false
}

// add remembers raw, as part at loc on route r, as clean, copied: the request's buffers are not
// kept; charge is what its inspection charged past the look-up (a whole path's walk), or 0.
func (c *cleanValues) add(r *route, loc, raw, part string, charge int) {
	name := part == "name"
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slots[slot(loc, raw, name)] = cleanEntry{r: r, name: name, loc: strings.Clone(loc), raw: strings.Clone(raw), charge: charge}
}
