package jwtauthn

import (
	"crypto/sha256"
	"time"

	"github.com/wasmward/wasmward/shared/policy"
)

// cacheKey identifies a verified token: SHA-256 of the token (the token itself is never kept)
// and the provider that verified it.
type cacheKey struct {
	sum      [32]byte
	provider int
}

// verified is what a successful verification produced, reused on a cache hit.
type verified struct {
	identity *policy.Identity // shared, read-only
	headers  [][2]string      // claim and payload headers to set
	expires  time.Time        // min(exp, verification time + ttl)
}

// tokenCache is the bounded verified-token cache. Entries are evicted first-in first-out when
// full, expire at the token's exp or the TTL (whichever is first), and are all dropped when any
// provider's keys change. Only successes are cached. Not safe for concurrent use (the glue calls
// a policy from one thread). It grows as tokens arrive: a VM's linear memory never shrinks, and
// room for 1,024 tokens made at start (150 KB, the largest part of the heap the chain's config
// builds) would be resident in every worker whether or not that many distinct tokens come.
type tokenCache struct {
	max     int
	ttl     time.Duration
	entries map[cacheKey]*verified
	order   []cacheKey // ring of insertion order
	next    int
}

func newTokenCache(max int, ttl time.Duration) *tokenCache {
	return &tokenCache{max: max, ttl: ttl, entries: map[cacheKey]*verified{}}
}

func keyOf(token string, p *provider) cacheKey {
	// Hashed from a stack buffer: converting the token (hundreds of bytes) would allocate on
	// every request. A longer token grows the buffer on the heap, as the conversion would.
	var buf [1024]byte
	return cacheKey{sum: sha256.Sum256(append(buf[:0], token...)), provider: p.index}
}

// get returns the live entry for k, removing it if expired.
func (c *tokenCache) get(k cacheKey, now time.Time) *verified {
	if c.max == 0 {
		return nil
	}
	v := c.entries[k]
	if v != nil && !now.Before(v.expires) {
		delete(c.entries, k)
		return nil
	}
	return v
}

// put stores v, evicting the oldest entry when full.
func (c *tokenCache) put(k cacheKey, v *verified, now time.Time) {
	if c.max == 0 {
		return
	}
	if limit := now.Add(c.ttl); limit.Before(v.expires) {
		v.expires = limit
	}
	if _, ok := c.entries[k]; ok {
		c.entries[k] = v
		return
	}
	if len(c.order) < c.max {
		c.order = append(c.order, k)
	} else {
		delete(c.entries, c.order[c.next])
		c.order[c.next] = k
		c.next = (c.next + 1) % c.max
	}
	c.entries[k] = v
}

// clear drops every entry.
func (c *tokenCache) clear() {
	clear(c.entries)
	c.order = c.order[:0]
	c.next = 0
}

// Len is the number of entries held.
func (c *tokenCache) Len() int { return len(c.entries) }
