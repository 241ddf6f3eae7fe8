package ratelimit_test

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/policytest"
)

// Property: however the workers' reads and compare-and-swaps interleave, the requests granted for
// one key never exceed the bucket's capacity plus the tokens refilled since its first use.
//
// Several policies (workers) share one policytest.Store. Its BeforeWrite hook runs between a
// worker's read and its swap; there, driven by a seeded random source, the test makes other
// workers (never the one writing: a VM runs one callback at a time) serve requests (recursively,
// up to a depth), so the first worker's swap meets a moved
// version and must retry. Every seed is one interleaving schedule.
func TestContentionNeverOverGrants(t *testing.T) {
	const (
		workers  = 4
		capacity = 5
		cost     = 100 * time.Millisecond // fillInterval
		keys     = 3
		seeds    = 300
	)
	for _, retries := range []int{0, 2, 8} {
		t.Run("casRetries="+strconv.Itoa(retries), func(t *testing.T) {
			spec := `{"limits": [{"id": "k", "descriptor": [{"key": "user", "type": "header", "header": "x-user"}],
				"bucket": {"capacity": ` + strconv.Itoa(capacity) + `, "fillInterval": "100ms"}}],
				"keys": {"max": 64, "atCap": "reject"}, "shared": {"casRetries": ` + strconv.Itoa(retries) + `}}`
			interleaved, contended := 0, 0
			for seed := uint64(1); seed <= seeds; seed++ {
				rng := rand.New(rand.NewPCG(seed, 7))
				store := policytest.NewStore()
				var hosts []*policytest.Host
				var ws []*worker
				for range workers {
					h := policytest.NewHost()
					h.Store = store
					hosts = append(hosts, h)
					ws = append(ws, start(t, spec, h))
				}
				granted := make([]int, keys)
				first := make([]time.Time, keys)
				var last time.Time
				busy := make([]bool, workers) // a worker runs one callback at a time: never re-entered
				serve := func(w int) {
					busy[w] = true
					defer func() { busy[w] = false }()
					k := rng.IntN(keys)
					if first[k].IsZero() {
						first[k] = hosts[w].Clock
					}
					last = hosts[w].Clock
					d := ws[w].do(req("192.0.2.1:1", [2]string{"x-user", "u" + strconv.Itoa(k)}))
					switch {
					case d.Verdict == policy.Allow:
						granted[k]++
					case d.Reason == "contention":
						contended++
					}
				}
				depth := 0
				store.BeforeWrite = func(string) {
					if depth >= 3 || rng.IntN(3) == 0 {
						return
					}
					w := rng.IntN(workers)
					if busy[w] {
						return
					}
					depth++
					interleaved++
					serve(w)
					depth--
				}
				for range 60 {
					if rng.IntN(4) == 0 {
						step := time.Duration(rng.IntN(250)) * time.Millisecond
						for _, h := range hosts {
							h.Advance(step)
						}
					}
					serve(rng.IntN(workers))
				}
				for k := range keys {
					if granted[k] == 0 {
						continue
					}
					bound := capacity + int(last.Sub(first[k])/cost)
					if granted[k] > bound {
						t.Fatalf("seed %d key %d: granted %d > capacity %d + refilled %d", seed, k, granted[k], capacity, bound-capacity)
					}
				}
			}
			if interleaved == 0 {
				t.Fatal("no interleaving happened: the test proves nothing")
			}
			t.Logf("%d seeds: %d interleaved writes, %d requests denied for contention", seeds, interleaved, contended)
		})
	}
}
