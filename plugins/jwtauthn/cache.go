package jwtauthn

import (
	"crypto/sha256"
	"strings"
	"time"
	"unsafe"

	"github.com/wasmward/wasmward/shared/policy"
)

// cacheKey identifies a verified token: SHA-256 of the token (the token itself is never kept
// here) and the provider that verified it.
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
//
// In front of the digests sit a few recently used tokens themselves (recent): on a hit there
// the token is compared byte for byte and not hashed at all. SHA-256 of a token was a quarter
// of jwtauthn's warm request in wasm (no assembly: about 3 µs for 600 bytes inside nginx), and
// clients send the same token on request after request.
type tokenCache struct {
	max     int
	ttl     time.Duration
	entries map[cacheKey]*verified
	order   []cacheKey // ring of insertion order
	next    int
	recent  [recentSlots]recentToken
}

// recentSlots bounds the tokens kept in clear in the cache (recentToken): at most this many,
// each at most the provider's maxTokenBytes.
const recentSlots = 8

// recentToken is a verified token kept as is, with what its verification produced.
//
// Security: a hit needs the request's token to equal, byte for byte, a token this provider
// fully verified (signature, claims, keys of the current key set: clear drops these slots with
// the digests) and whose entry has not expired. Nothing is inferred from a hash, a prefix, the
// signature or the slot, so no collision and no token sharing a prefix, payload or signature
// with a cached one can hit: any other token takes the full path. The comparison runs in time
// independent of the bytes compared (sameToken), so a client probing with forged tokens
// cannot learn a cached token's bytes from response times. Bearer tokens kept in clear are few
// (recentSlots), copied out of the request (never aliasing host or glue buffers), and each is
// dropped when its slot is taken, when it expires (checked on every use) or when keys change;
// the digest entries behind them keep no token.
type recentToken struct {
	token    string
	provider int
	v        *verified // nil: empty slot
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

// recentSlot picks the slot of token (not empty) in recent from three of its characters: the
// last (a signed token's signature) and two in its payload, where tokens of different subjects
// differ. The choice needs no secrecy or collision resistance: a token is only ever accepted
// from a slot holding exactly that token (see recentToken), and a token landing in a taken slot
// replaces its occupant, which stays in the digest entries.
func recentSlot(token string) int {
	n := len(token)
	return int(token[n-1]^token[(n-1)/2]<<1^token[n/3]<<2) % recentSlots
}

// sameToken reports whether a and b are equal, in time that depends on their lengths only.
// Hand-written: crypto/subtle.ConstantTimeCompare takes byte slices, and converting the
// request's token to one would allocate on every request. It compares 32 bytes a round and
// the tail as one overlapping word: in Go on Wasm every round of a loop passes through the
// function's block dispatch (a br_table) with its variables spilled to the stack, so a round
// costs several times the two loads it compares, and a request's token is hundreds of bytes.
// The unaligned loads are plain i64.load on Wasm, and allowed on amd64 and arm64 too.
func sameToken(a, b string) bool {
	n := len(a)
	if n != len(b) {
		return false
	}
	if n < 8 {
		var diff byte
		for i := 0; i < n; i++ {
			diff |= a[i] ^ b[i]
		}
		return diff == 0
	}
	pa, pb := unsafe.Pointer(unsafe.StringData(a)), unsafe.Pointer(unsafe.StringData(b))
	word := func(i int) uint64 { return *(*uint64)(unsafe.Add(pa, i)) ^ *(*uint64)(unsafe.Add(pb, i)) }
	var diff uint64
	i := 0
	for ; i+32 <= n; i += 32 {
		diff |= word(i) | word(i+8) | word(i+16) | word(i+24)
	}
	for ; i+8 <= n; i += 8 {
		diff |= word(i)
	}
	return diff|word(n-8) == 0 // the last eight bytes, overlapping what was compared
}

// recentHit returns the live recent entry holding exactly token, verified by p (see
// recentToken), emptying its slot if expired. Tried before get: a hit hashes nothing.
func (c *tokenCache) recentHit(token string, p *provider, now time.Time) *verified {
	if c.max == 0 {
		return nil
	}
	slot := &c.recent[recentSlot(token)]
	if slot.v == nil || slot.provider != p.index || !sameToken(slot.token, token) {
		return nil
	}
	if !now.Before(slot.v.expires) {
		*slot = recentToken{}
		return nil
	}
	return slot.v
}

// get returns the live entry for k, removing it if expired. A hit also takes token's recent
// slot: a token used again is likely to come again.
func (c *tokenCache) get(k *cacheKey, token string, p *provider, now time.Time) *verified {
	if c.max == 0 {
		return nil
	}
	v := c.entries[*k]
	if v != nil && !now.Before(v.expires) {
		delete(c.entries, *k)
		return nil
	}
	if v != nil {
		c.recent[recentSlot(token)].set(token, p, v)
	}
	return v
}

// set keeps a copy of token in the slot: the request's strings may alias buffers that are
// reused.
func (s *recentToken) set(token string, p *provider, v *verified) {
	*s = recentToken{token: strings.Clone(token), provider: p.index, v: v}
}

// put stores v as token's entry under k, evicting the oldest entry when full.
func (c *tokenCache) put(k *cacheKey, token string, p *provider, v *verified, now time.Time) {
	if c.max == 0 {
		return
	}
	if limit := now.Add(c.ttl); limit.Before(v.expires) {
		v.expires = limit
	}
	c.recent[recentSlot(token)].set(token, p, v)
	if _, ok := c.entries[*k]; ok {
		c.entries[*k] = v
		return
	}
	if len(c.order) < c.max {
		c.order = append(c.order, *k)
	} else {
		delete(c.entries, c.order[c.next])
		c.order[c.next] = *k
		c.next = (c.next + 1) % c.max
	}
	c.entries[*k] = v
}

// clear drops every entry, the recent tokens too.
func (c *tokenCache) clear() {
	clear(c.entries)
	c.order = c.order[:0]
	c.next = 0
	c.recent = [recentSlots]recentToken{}
}

// Len is the number of digest entries held.
func (c *tokenCache) Len() int { return len(c.entries) }
