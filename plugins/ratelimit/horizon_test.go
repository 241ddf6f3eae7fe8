package ratelimit

import (
	"testing"
	"time"

	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/policytest"
)

// countingStore counts the reads of a store.
type countingStore struct {
	policy.SharedStore
	gets int
}

func (s *countingStore) Get(key string) ([]byte, uint32, error) {
	s.gets++
	return s.SharedStore.Get(key)
}

const horizonSpec = `{"bans": [{"id": "auth", "descriptor": [{"key": "ip", "type": "sourceIP"}],
	"statuses": [401], "threshold": 2, "window": "1m", "duration": "10m"}]}`

// horizonWorkers starts two workers on one store, each reading it through a counter.
func horizonWorkers(t *testing.T) (*policytest.Store, []*Policy, []*countingStore, *policytest.Host) {
	store := policytest.NewStore()
	clock := policytest.NewHost()
	var ps []*Policy
	var counters []*countingStore
	for range 2 {
		h := policytest.NewHost()
		h.Store = store
		p := startInternal(t, horizonSpec, h)
		p.host = clock // one clock for both
		c := &countingStore{SharedStore: store}
		p.banned.store, p.horizon.store = c, c
		ps, counters = append(ps, p), append(counters, c)
	}
	return store, ps, counters, clock
}

func banReq(addr string) *policy.Request {
	r := policy.NewRequest([][2]string{{":method", "GET"}, {":path", "/"}}, nil, nil)
	r.SetSourceAddress(addr)
	return r
}

// TestBanHorizon: while no local ban is live a ban check reads one key, not the 8 slots; a ban
// started on one worker is enforced on the other (and clean keys are looked up in full) until
// it ends; then one read again.
func TestBanHorizon(t *testing.T) {
	_, ps, counters, clock := horizonWorkers(t)
	check := func(w int, addr string) (policy.Decision, int) {
		before := counters[w].gets
		d := ps[w].OnRequest(banReq(addr))
		return d, counters[w].gets - before
	}
	if d, reads := check(1, "198.51.100.9:1"); d.Verdict != policy.Allow || reads != 1 {
		t.Fatalf("no ban anywhere: %v after %d reads, want allow after 1", d.Verdict, reads)
	}
	bp := BanningPolicy{ps[0]}
	bp.OnResponse(banReq("198.51.100.9:1"), &policy.Response{Status: 401})
	if d := bp.OnResponse(banReq("198.51.100.9:1"), &policy.Response{Status: 401}); d.Reason != ReasonBanStarted {
		t.Fatalf("second 401: %+v", d)
	}
	if d, _ := check(1, "198.51.100.9:1"); d.Verdict != policy.Deny || d.Reason != ReasonBanned {
		t.Fatalf("banned on worker 0, on worker 1: %+v", d)
	}
	if d, reads := check(1, "198.51.100.10:1"); d.Verdict != policy.Allow || reads != 1+candidates {
		t.Fatalf("a clean key while a ban is live: %v after %d reads, want allow after %d", d.Verdict, reads, 1+candidates)
	}
	clock.Advance(10 * time.Minute)
	if d, reads := check(1, "198.51.100.9:1"); d.Verdict != policy.Allow || reads != 1 {
		t.Fatalf("after the ban: %v after %d reads, want allow after 1", d.Verdict, reads)
	}
}

// TestBanHorizonDoubtLooksAtSlots: a horizon that is not a readable value (another size, as a
// corrupted or foreign write would leave) never hides a ban: the slots are read.
func TestBanHorizonDoubtLooksAtSlots(t *testing.T) {
	store, ps, _, _ := horizonWorkers(t)
	bp := BanningPolicy{ps[0]}
	for range 2 {
		bp.OnResponse(banReq("198.51.100.9:1"), &policy.Response{Status: 401})
	}
	for _, v := range [][]byte{{1, 2, 3}, {}, make([]byte, 9)} {
		if err := store.CompareAndSwap(ps[0].horizon.key, v, 0); err != nil {
			t.Fatal(err)
		}
		if d := ps[1].OnRequest(banReq("198.51.100.9:1")); d.Verdict != policy.Deny {
			t.Fatalf("horizon %x: banned key %v", v, d.Verdict)
		}
	}
}

// TestBanHorizonRaiseUnderContention: another worker writes the horizon between every read and
// swap of a raise (a lower value); the raise still ends at the ban's end.
func TestBanHorizonRaiseUnderContention(t *testing.T) {
	store, ps, _, _ := horizonWorkers(t)
	h := ps[0].horizon
	writes := 0
	store.BeforeWrite = func(key string) {
		if key != h.key || writes >= 8 {
			return
		}
		writes++
		v, cas, _ := store.Get(key)
		_ = store.CompareAndSwap(key, v, cas)
	}
	if err := h.raise(int64(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if h.passed(int64(time.Hour)-1) || !h.passed(int64(time.Hour)) {
		t.Fatal("horizon not raised to the ban's end")
	}
}
