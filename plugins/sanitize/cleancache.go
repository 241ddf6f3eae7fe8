package sanitize

import (
	"math/rand/v2"
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
// The table is set associative: a value's hash picks a set of cleanWays entries, any of which
// may hold it, and a value added to a full set replaces the one of the set used least recently
// (each hit stamps its entry). Values that share a set (two JSON keys of every request whose
// hashes agree on the set's bits) all stay remembered, up to cleanWays of them; values seen once
// (a request's own identifiers) replace each other before they displace values every request
// repeats. Memory is bounded (cleanSets × cleanWays entries), and there is no eviction work
// beyond the set's few stamps. The hash (hashString) is seeded per table. A mutex guards the
// table for native hosts that share a policy between goroutines; proxy-wasm runs one request at
// a time.
type cleanValues struct {
	mu   sync.Mutex
	seed uint64
	// tick numbers the look-ups that hit and the additions, the stamps of the entries.
	tick uint64
	sets [cleanSets][cleanWays]cleanEntry
}

// cleanSets × cleanWays is the table size, maxCleanValue the longest header value kept and
// maxCleanName the longest path segment or name: at most about 512 × 512 bytes.
const (
	cleanSets     = 128
	cleanWays     = 4
	maxCleanValue = 512
	maxCleanName  = 64
)

type cleanEntry struct {
	r *route
	// hash is the key's full hash (an empty entry has r nil), compared before the strings.
	hash     uint64
	name     bool
	loc, raw string
	// charge is what a whole path's walk charged the budget; the other values' inspection is
	// charged before the look-up.
	charge int
	// used is the tick of the entry's last hit or its addition: the set's least recently used
	// entry is the one a new value replaces.
	used uint64
}

// newCleanValues returns an empty table with a seed of its own.
func newCleanValues() *cleanValues { return &cleanValues{seed: rand.Uint64()} }

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

// hash is the hash of loc, raw and part (name: part is "name").
func (c *cleanValues) hash(loc, raw string, name bool) uint64 {
	h := hashString(hashString(c.seed, loc), raw)
	if name {
		h = ^h
	}
	return h
}

// hashString mixes s into h eight bytes per multiplication, then its tail with the tail's
// length. Hand-written: the table needs a spread, not a strong hash (a collision costs a way of
// a set), and in Go on Wasm hash/maphash's wyhash emulates a 64×64→128-bit multiplication per 16
// bytes, which made a look-up cost more than FNV's multiplication per byte did; eight bytes
// assembled with shifts compile to one 64-bit load.
func hashString(h uint64, s string) uint64 {
	const m = 0x9e3779b97f4a7c15
	for ; len(s) >= 8; s = s[8:] {
		h = (h ^ (uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56)) * m
		h ^= h >> 29
	}
	t := uint64(len(s)) << 56 // the tail, and the length in the top byte: "a" and "a\x00" differ
	for i := 0; i < len(s); i++ {
		t |= uint64(s[i]) << (8 * i)
	}
	h = (h ^ t) * m
	return h ^ h>>32
}

// lookup returns the entry holding raw, as part at loc on route r, or nil, and the key's hash.
// c.mu must be held.
func (c *cleanValues) lookup(r *route, loc, raw string, name bool) (*cleanEntry, uint64) {
	h := c.hash(loc, raw, name)
	set := &c.sets[h%cleanSets]
	for i := range set {
		if e := &set[i]; e.hash == h && e.r == r && e.name == name && e.loc == loc && e.raw == raw {
			return e, h
		}
	}
	return nil, h
}

// has reports raw, as part at loc on route r, as found clean before.
func (c *cleanValues) has(r *route, loc, raw, part string) bool {
	_, ok := c.charged(r, loc, raw, part)
	return ok
}

// charged reports raw, as part at loc on route r, as found clean before, with the charge it was
// remembered with.
func (c *cleanValues) charged(r *route, loc, raw, part string) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, _ := c.lookup(r, loc, raw, part == "name")
	if e == nil {
		return 0, false
	}
	c.tick++
	e.used = c.tick
	return e.charge, true
}

// add remembers raw, as part at loc on route r, as clean, copied: the request's buffers are not
// kept; charge is what its inspection charged past the look-up (a whole path's walk), or 0. It
// replaces the least recently used entry of the value's set (an empty one first: its stamp is
// 0), or updates the value's own entry when it is there already.
func (c *cleanValues) add(r *route, loc, raw, part string, charge int) {
	name := part == "name"
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tick++
	e, h := c.lookup(r, loc, raw, name)
	if e == nil {
		set := &c.sets[h%cleanSets]
		e = &set[0]
		for i := 1; i < len(set); i++ {
			if set[i].used < e.used {
				e = &set[i]
			}
		}
		*e = cleanEntry{r: r, hash: h, name: name, loc: strings.Clone(loc), raw: strings.Clone(raw)}
	}
	e.charge, e.used = charge, c.tick
}
