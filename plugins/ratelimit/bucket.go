package ratelimit

import (
	"time"

	"github.com/wasmward/wasmward/shared/config"
)

// bucket is a token bucket in the form of Envoy's AtomicTokenBucketImpl: its whole state is one
// instant t, and the tokens available at now are min(capacity, (now − t) / cost). Consuming a
// token moves t forward by cost; a fresh or long-idle bucket has t = now − capacity × cost (full).
// One integer of state is what makes the bucket a single compare-and-swap in shared data.
//
// Envoy's rate is a float (tokens_per_fill / fill_interval); here the time per token is an
// integer number of nanoseconds, rounded up, so rounding can only ever grant less, never more.
type bucket struct {
	capacity int64
	cost     int64 // ns per token
	full     int64 // capacity × cost: time to refill from empty
	// policyHeader is the RateLimit-Policy member for this bucket, built once.
	policyHeader string
}

// compileBucket checks "bucket" at path.
func compileBucket(es *config.Errors, path string, s BucketSpec) bucket {
	b := bucket{capacity: s.Capacity}
	perFill := s.TokensPerFill
	if perFill == 0 {
		perFill = 1
	}
	if s.Capacity < 1 || s.Capacity > 1e9 {
		es.Add(path+".capacity", "must be 1 to 1000000000")
		return bucket{capacity: 1, cost: 1, full: 1}
	}
	if perFill < 1 || perFill > s.Capacity {
		es.Add(path+".tokensPerFill", "must be 1 to capacity (%d)", s.Capacity)
		perFill = 1
	}
	if s.FillInterval == "" {
		es.Add(path+".fillInterval", "is required (a duration such as \"1s\")")
	}
	interval := duration(es, path+".fillInterval", s.FillInterval, time.Second, time.Millisecond)
	b.cost = (int64(interval) + perFill - 1) / perFill
	if b.cost > int64(MaxFillSpan)/b.capacity {
		es.Add(path, "capacity × fillInterval / tokensPerFill must be at most %s", MaxFillSpan)
		b.cost = 1
	}
	b.full = b.capacity * b.cost
	return b
}

// take consumes one token from the bucket whose state is t (ignored when fresh) at now. It
// returns the new state, whether a token was granted, and when refused, how long until the next
// token.
func (b *bucket) take(t, now int64, fresh bool) (next int64, ok bool, wait time.Duration) {
	if fresh || t < now-b.full {
		t = now - b.full
	}
	if now-t < b.cost { // also when t is ahead of now (another worker's clock ran ahead)
		return t, false, time.Duration(t + b.cost - now)
	}
	return t + b.cost, true, 0
}

// fullAt is when the bucket in state t is full again: it can be forgotten from then on without
// granting anything more than it would have.
func (b *bucket) fullAt(t int64) int64 { return t + b.full }

// windowSeconds is the RateLimit-Policy window: the time to refill from empty, whole seconds.
func (b *bucket) windowSeconds() int64 { return ceilSeconds(time.Duration(b.full)) }

func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}
