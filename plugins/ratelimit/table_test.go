package ratelimit

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/policytest"
)

func startInternal(t testing.TB, spec string, host *policytest.Host) *Policy {
	t.Helper()
	p, err := Parse([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	core, ok := p.(*Policy)
	if !ok {
		core = p.(BanningPolicy).Policy
	}
	if err := core.Start(host); err != nil {
		t.Fatal(err)
	}
	return core
}

func ipReq(i int) *policy.Request {
	r := policy.NewRequest([][2]string{{":method", "GET"}, {":path", "/"}}, nil, nil)
	r.SetSourceAddress(fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255))
	return r
}

func capSpec(max int, atCap string) string {
	return `{"limits": [{"id": "ip", "descriptor": [{"key": "ip", "type": "sourceIP"}], "bucket": {"capacity": 2, "fillInterval": "1s"}}],
		"keys": {"max": ` + strconv.Itoa(max) + `, "atCap": "` + atCap + `", "idleTimeout": "1m", "sweepInterval": "1s"}}`
}

// At the cap with "reject", a new key whose window is full is denied with key_cap; known keys
// keep working. The number of keys accepted before the first refusal is measured and logged.
func TestKeyCapReject(t *testing.T) {
	for _, max := range []int{1024, DefaultMaxKeys} {
		t.Run("max="+strconv.Itoa(max), func(t *testing.T) { testKeyCapReject(t, max) })
	}
}

func testKeyCapReject(t *testing.T, max int) {
	host := policytest.NewHost()
	p := startInternal(t, capSpec(max, "reject"), host)
	first, refused := -1, 0
	for i := range 2 * max {
		d := p.OnRequest(ipReq(i))
		if d.Reason == ReasonKeyCap {
			refused++
			if first < 0 {
				first = i
			}
		}
		if n := i + 1; n == max*3/4 || n == max*9/10 || n == max || n == max*5/4 {
			t.Logf("keys.max=%d: after %d distinct keys (%d%% of the cap), %d refused (%.1f%%)",
				max, n, 100*n/max, refused, 100*float64(refused)/float64(n))
		}
	}
	used := p.buckets.used(host.Now().UnixNano())
	t.Logf("keys.max=%d candidates=%d: first key_cap refusal after %d keys (%.0f%%); after %d distinct keys: %d slots used (%.1f%%), %d refused",
		max, candidates, first, 100*float64(first)/float64(max), 2*max, used, 100*float64(used)/float64(max), refused)
	if used > max {
		t.Fatalf("%d keys stored, more than the cap %d", used, max)
	}
	if first < max/2 {
		t.Errorf("first refusal at %d keys: the table fills too little before refusing", first)
	}
	if refused == 0 {
		t.Fatal("twice the cap in distinct keys and nothing refused")
	}
	if p.OnRequest(ipReq(0)).Verdict != policy.Allow {
		t.Error("a key stored before the cap was refused")
	}
	// Once the keys are idle (bucket full again and idleTimeout passed), new keys fit again.
	host.Advance(2 * time.Minute)
	if d := p.OnRequest(ipReq(5 * max)); d.Verdict != policy.Allow {
		t.Errorf("after idleTimeout a new key is refused: %+v", d)
	}
}

// With "evictOldest" no request is refused: a new key takes the least recently used slot of its
// window, and the store never holds more than keys.max slots.
func TestKeyCapEvictOldest(t *testing.T) {
	const max = 256
	host := policytest.NewHost()
	p := startInternal(t, capSpec(max, "evictOldest"), host)
	for i := range 4 * max {
		host.Advance(time.Millisecond)
		if d := p.OnRequest(ipReq(i)); d.Verdict != policy.Allow {
			t.Fatalf("key %d refused: %+v", i, d)
		}
	}
	if n := host.Store.Len(); n != max {
		t.Fatalf("store holds %d keys, want %d", n, max)
	}
	if used := p.buckets.used(host.Now().UnixNano()); used != max {
		t.Fatalf("%d slots used, want all %d", used, max)
	}
	// The most recent key survived: its second request still counts against its bucket.
	last := 4*max - 1
	p.OnRequest(ipReq(last))
	if d := p.OnRequest(ipReq(last)); d.Reason != ReasonLimited {
		t.Fatalf("recent key lost its bucket: %+v", d)
	}
}

// The sweep frees only slots whose keys are idle and whose buckets are full again.
func TestSweepFreesIdleKeys(t *testing.T) {
	host := policytest.NewHost()
	p := startInternal(t, `{"limits": [{"id": "ip", "descriptor": [{"key": "ip", "type": "sourceIP"}],
		"bucket": {"capacity": 2, "tokensPerFill": 1, "fillInterval": "10m"}}],
		"keys": {"max": 64, "idleTimeout": "1m", "sweepInterval": "1s"}}`, host)
	for i := range 10 {
		p.OnRequest(ipReq(i))
	}
	now := func() int64 { return host.Now().UnixNano() }
	host.Advance(2 * time.Minute)
	p.Tick(host.Now())
	if used := p.buckets.used(now()); used != 10 {
		t.Fatalf("after idleTimeout but before the buckets refill: %d used, want 10 (dropping them would grant more)", used)
	}
	host.Advance(10 * time.Minute)
	p.Tick(host.Now())
	live := 0
	for i := range 64 {
		v, _, _ := host.Store.Get(p.buckets.key(uint64(i)))
		if decode(v).Owner != 0 {
			live++
		}
	}
	if live != 0 {
		t.Fatalf("%d slots still owned after the sweep", live)
	}
	if p.sweepBatch() != 64 {
		t.Errorf("sweep batch %d, want all 64 slots", p.sweepBatch())
	}
}

func TestSweepBatchCoversTheTableWithinIdleTimeout(t *testing.T) {
	p := &Policy{keys: keySettings{max: 100000, idle: 10 * time.Minute, sweepEvery: 10 * time.Second}}
	b := p.sweepBatch()
	if ticks := (100000 + b - 1) / b; time.Duration(ticks)*10*time.Second > 10*time.Minute {
		t.Fatalf("batch %d needs %d ticks, longer than idleTimeout", b, ticks)
	}
}

func TestRecordCodecRejectsGarbage(t *testing.T) {
	r := record{Owner: 7, LastUse: -1, IdleAt: 3, A: 4, B: 5, N: 6}
	if got := decode(r.encode(nil)); got != r {
		t.Fatalf("round trip: %+v", got)
	}
	for _, b := range [][]byte{nil, {1, 2}, append([]byte{9}, make([]byte, recordSize-1)...)} {
		if got := decode(b); got != (record{}) {
			t.Errorf("decode(%v) = %+v, want a free slot", b, got)
		}
	}
}

// failingStore fails every call: store errors follow onConflict.
type failingStore struct{}

var errBroken = errors.New("broken")

func (failingStore) Get(string) ([]byte, uint32, error)          { return nil, 0, errBroken }
func (failingStore) CompareAndSwap(string, []byte, uint32) error { return errBroken }

func TestStoreErrorFollowsOnConflict(t *testing.T) {
	for _, mode := range []string{"deny", "allow"} {
		host := policytest.NewHost()
		host.NoShared = true
		p := startInternal(t, `{"limits": [{"id": "ip", "descriptor": [{"key": "ip", "type": "sourceIP"}],
			"bucket": {"capacity": 2, "fillInterval": "1s"}}], "shared": {"onConflict": "`+mode+`"}}`, host)
		p.buckets.store = failingStore{}
		d := p.OnRequest(ipReq(1))
		if d.Reason != ReasonStoreError || (d.Verdict == policy.Deny) != (mode == "deny") {
			t.Errorf("onConflict %s: %+v", mode, d)
		}
	}
}

// used counts the live slots (it reads every slot).
func (t *table) used(now int64) int {
	n := 0
	for i := uint64(0); i < t.slots; i++ {
		if s, err := t.read(i); err == nil && s.rec.live(now) {
			n++
		}
	}
	return n
}

// TestSlotKeys: a slot's key is "<prefix><index>" whether remembered or built, also for slots
// that share a place in the key cache; a remembered key costs no allocation.
func TestSlotKeys(t *testing.T) {
	tb := newTable(nil, "p.", 100000, 0, false)
	for _, i := range []uint64{0, 1, keyCacheSize, 1, 2*keyCacheSize + 1, 0, 99999, keyCacheSize} {
		if got, want := tb.key(i), "p."+strconv.FormatUint(i, 10); got != want {
			t.Fatalf("key(%d) = %q, want %q", i, got, want)
		}
	}
	for i := range uint64(4 * keyCacheSize) { // more slots than places, twice
		for _, j := range []uint64{i, i / 2} {
			if got, want := tb.key(j), "p."+strconv.FormatUint(j, 10); got != want {
				t.Fatalf("key(%d) = %q, want %q", j, got, want)
			}
		}
	}
	if n := testing.AllocsPerRun(100, func() { tb.key(7) }); n != 0 {
		t.Errorf("a remembered key allocates %v times", n)
	}
	// Two slots whose keys share a set are both remembered; a third evicts the one used less
	// recently.
	var same []uint64
	for j := uint64(1); len(same) < 2; j++ {
		if j != 7 && keySet(j) == keySet(7) {
			same = append(same, j)
		}
	}
	tb.key(same[0])
	if n := testing.AllocsPerRun(100, func() { tb.key(7); tb.key(same[0]) }); n != 0 {
		t.Errorf("two keys of one set allocate %v times", n)
	}
	cached := func(i uint64) bool {
		set := tb.keys[keySet(i):][:2]
		return set[0].ok && set[0].idx == i || set[1].ok && set[1].idx == i
	}
	tb.key(same[0])
	tb.key(7)
	tb.key(same[1]) // evicts same[0], used before 7
	if !cached(7) || !cached(same[1]) || cached(same[0]) {
		t.Errorf("after keys %d, 7, %d of one set: remembered %v, %v, %v; want false, true, true",
			same[0], same[1], cached(same[0]), cached(7), cached(same[1]))
	}
}
