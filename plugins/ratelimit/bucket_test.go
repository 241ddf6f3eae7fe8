package ratelimit

import (
	"testing"
	"time"

	"github.com/wasmward/wasmward/shared/config"
)

// step advances the clock, then tries to take tokens one at a time.
type step struct {
	advance time.Duration
	take    int           // tokens requested one by one
	granted int           // how many must be granted
	wait    time.Duration // when the last take is refused: the wait reported (0: not checked)
}

// Sequences ported from Envoy's token_bucket_impl_test.cc / atomic token bucket tests (fill rate
// = tokensPerFill / fillInterval), driven by a fake clock.
func TestTokenBucketSequences(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spec  BucketSpec
		steps []step
	}{
		{"initial fill: a new bucket is full", BucketSpec{Capacity: 1, FillInterval: "1s"},
			[]step{{take: 2, granted: 1, wait: time.Second}}},
		{"burst up to capacity, no more", BucketSpec{Capacity: 3, FillInterval: "1s"},
			[]step{{take: 4, granted: 3}, {advance: 10 * time.Second, take: 4, granted: 3}}},
		{"partial refill (rate 0.5/s)", BucketSpec{Capacity: 1, FillInterval: "2s"},
			[]step{{take: 1, granted: 1}, {advance: 500 * time.Millisecond, take: 1, granted: 0, wait: 1500 * time.Millisecond},
				{advance: 1500 * time.Millisecond, take: 1, granted: 1}}},
		{"next token available (rate 5/s)", BucketSpec{Capacity: 10, TokensPerFill: 5, FillInterval: "1s"},
			[]step{{take: 11, granted: 10, wait: 200 * time.Millisecond}, {advance: 199 * time.Millisecond, take: 1, granted: 0},
				{advance: time.Millisecond, take: 2, granted: 1}}},
		{"fractional refill accumulates", BucketSpec{Capacity: 10, TokensPerFill: 10, FillInterval: "1s"},
			[]step{{take: 10, granted: 10}, {advance: 50 * time.Millisecond, take: 1, granted: 0},
				{advance: 50 * time.Millisecond, take: 1, granted: 1}, {advance: 250 * time.Millisecond, take: 3, granted: 2}}},
		{"long idle refills to capacity only", BucketSpec{Capacity: 5, TokensPerFill: 1, FillInterval: "1s"},
			[]step{{take: 5, granted: 5}, {advance: 365 * 24 * time.Hour, take: 6, granted: 5}}},
		{"tokens per fill added continuously", BucketSpec{Capacity: 100, TokensPerFill: 60, FillInterval: "1m"},
			[]step{{take: 100, granted: 100}, {advance: 30 * time.Second, take: 31, granted: 30}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var es config.Errors
			b := compileBucket(&es, "bucket", tc.spec)
			if err := es.Err(); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
			var state int64
			fresh := true
			for i, s := range tc.steps {
				now += int64(s.advance)
				granted := 0
				var wait time.Duration
				for k := 0; k < s.take; k++ {
					next, ok, w := b.take(state, now, fresh)
					state, fresh = next, false
					if ok {
						granted++
					}
					wait = w
				}
				if granted != s.granted {
					t.Errorf("step %d: granted %d of %d, want %d", i, granted, s.take, s.granted)
				}
				if s.wait != 0 && wait != s.wait {
					t.Errorf("step %d: wait %v, want %v", i, wait, s.wait)
				}
			}
		})
	}
}

// Rounding the time per token up can only grant less: 3 tokens per second cost 333333334ns each,
// so one second after emptying the bucket 2 tokens are back, not 3.
func TestTokenBucketRoundsAgainstTheClient(t *testing.T) {
	var es config.Errors
	b := compileBucket(&es, "bucket", BucketSpec{Capacity: 3, TokensPerFill: 3, FillInterval: "1s"})
	now := int64(1e18)
	var state int64
	for k := range 3 {
		state, _, _ = b.take(state, now, k == 0)
	}
	granted := 0
	for range 4 {
		var ok bool
		if state, ok, _ = b.take(state, now+int64(time.Second), false); ok {
			granted++
		}
	}
	if granted != 2 {
		t.Fatalf("granted %d tokens one fill interval after emptying, want 2", granted)
	}
}
