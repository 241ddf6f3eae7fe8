package ratelimit

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/wasmward/wasmward/shared/policy"
)

// A key may live in 2 × probeWindow slots: two windows of probeWindow consecutive slots, each
// starting at a slot chosen by half of its hash. A new key goes to the less loaded window ("two
// choices"), which lets the table fill far more before a window is full than one longer window.
const probeWindow = 4

// candidates is the number of slots a key may live in.
const candidates = 2 * probeWindow

// errAtCap: the key is new and every slot of its window holds a live key (atCap "reject").
// errContention: every compare-and-swap of the allowed retries lost to another worker.
var (
	errAtCap      = errors.New("key cap reached")
	errContention = errors.New("shared data contention: retries exhausted")
)

// record is one slot's value. Owner is the keyed hash of the key living there (0: free); LastUse
// orders eviction; IdleAt is when the slot may be reused without granting more than keeping it
// would (for a bucket: when it is full again). A, B and N are the state of the slot's user.
type record struct {
	Owner   uint64
	LastUse int64
	IdleAt  int64
	A, B    int64
	N       int64
}

const recordVersion = 1
const recordSize = 1 + 8*6

func (r *record) encode(buf []byte) []byte {
	buf = append(buf[:0], recordVersion)
	for _, v := range [...]uint64{r.Owner, uint64(r.LastUse), uint64(r.IdleAt), uint64(r.A), uint64(r.B), uint64(r.N)} {
		buf = binary.LittleEndian.AppendUint64(buf, v)
	}
	return buf
}

// decode reads a record; anything malformed (another version, truncation) reads as a free slot.
func decode(b []byte) record {
	if len(b) != recordSize || b[0] != recordVersion {
		return record{}
	}
	u := func(i int) uint64 { return binary.LittleEndian.Uint64(b[1+8*i:]) }
	return record{Owner: u(0), LastUse: int64(u(1)), IdleAt: int64(u(2)), A: int64(u(3)), B: int64(u(4)), N: int64(u(5))}
}

// live reports whether the slot holds a key that must be kept at now.
func (r *record) live(now int64) bool { return r.Owner != 0 && r.IdleAt > now }

// table is a fixed number of slots in shared data, the only bounded structure proxy-wasm shared
// data (no delete, no key listing) allows: the slot keys are "<prefix><index>" and never change;
// keys live in slots. Every write is a compare-and-swap on the slot's version.
type table struct {
	store   policy.SharedStore
	prefix  string
	slots   uint64
	retries int
	evict   bool
	cursor  uint64 // next slot the sweep looks at
	keyBuf  []byte
	valBuf  []byte
	rec     record                  // update's scratch record
	keys    [keyCacheSize]cachedKey // see key
}

// keyCacheSize is how many slot keys a table remembers, in sets of two by a hash of the slot
// index (keySet): every key's first candidate is a multiple of probeWindow, so the index modulo
// the size would leave three places in four to the other candidates, and returning clients would
// evict each other's keys about three times as often. Two places per set keep two clients whose
// slots share a set from evicting each other on every request: direct-mapped, the 64 clients of
// BenchmarkOneLimit rebuilt a key on about one request in four (0.25 guest allocations per
// request, and about an eighth of the plugin's time in Go on Wasm in wazero's perf map).
const (
	keyCacheBits = 8
	keyCacheSize = 1 << keyCacheBits
)

// keySet is the first of the two places of slot i's key in the cache (Fibonacci hashing).
func keySet(i uint64) int { return int(i*0x9e3779b97f4a7c15>>(64-keyCacheBits+1)) * 2 }

// cachedKey is a slot's key string; ok tells an entry from the zero value.
type cachedKey struct {
	idx uint64
	key string
	ok  bool
}

func newTable(store policy.SharedStore, prefix string, slots, retries int, evict bool) *table {
	return &table{store: store, prefix: prefix, slots: uint64(slots), retries: retries, evict: evict,
		keyBuf: make([]byte, 0, len(prefix)+8), valBuf: make([]byte, 0, recordSize)}
}

// key is slot i's key in the store. A request reads up to candidates slots and writes one of
// them, each needing its key as a string: the keys of recently used slots are remembered
// (they never change), so that a returning client's request builds none. A set's first place
// holds the key used last, the second the one before, which a new key replaces.
func (t *table) key(i uint64) string {
	set := t.keys[keySet(i):][:2]
	if set[0].ok && set[0].idx == i {
		return set[0].key
	}
	if set[1].ok && set[1].idx == i {
		set[0], set[1] = set[1], set[0]
		return set[0].key
	}
	t.keyBuf = strconv.AppendUint(append(t.keyBuf[:0], t.prefix...), i, 10)
	set[1], set[0] = set[0], cachedKey{idx: i, key: string(t.keyBuf), ok: true}
	return set[0].key
}

// create writes an empty record into every slot that does not exist yet. It runs at start, so
// that requests never create keys: Envoy's shared data has no create-if-absent (cas 0 writes
// unconditionally), and a key created on the request path by two workers at once could lose one
// worker's update. At start, the worst case is two starting workers both writing the same empty
// record.
func (t *table) create() error {
	empty := (&record{}).encode(nil)
	for i := uint64(0); i < t.slots; i++ {
		k := t.key(i)
		_, _, err := t.store.Get(k)
		if errors.Is(err, policy.ErrNotFound) {
			err = t.store.CompareAndSwap(k, empty, 0)
			if errors.Is(err, policy.ErrCASMismatch) { // another worker created it meanwhile
				err = nil
			}
		}
		if err != nil {
			return fmt.Errorf("creating shared slot %d: %w", i, err)
		}
	}
	return nil
}

// slot is one slot as read: its index, version and record.
type slot struct {
	idx uint64
	cas uint32
	rec record
}

// candidate returns the i-th slot (0 ≤ i < candidates) where owner may live: slot i%probeWindow
// of group A (i < probeWindow) or group B, the groups chosen by the two halves of the hash.
// Slots form keys.max / probeWindow aligned groups (a remainder of up to 3 slots is unused).
func (t *table) candidate(owner uint64, i int) uint64 {
	home := owner
	if i >= probeWindow {
		home = owner>>32 | owner<<32
	}
	groups := max(1, t.slots/probeWindow)
	return ((home%groups)*probeWindow + uint64(i%probeWindow)) % t.slots
}

// find returns the live slot holding owner, or ok=false. It only reads.
func (t *table) find(owner uint64, now int64) (slot, bool, error) {
	for i := 0; i < candidates; i++ {
		s, err := t.read(t.candidate(owner, i))
		if err != nil {
			return slot{}, false, err
		}
		if s.rec.Owner == owner && s.rec.live(now) {
			return s, true, nil
		}
	}
	return slot{}, false, nil
}

func (t *table) read(idx uint64) (slot, error) {
	s, _, err := t.readSlot(idx)
	return s, err
}

// readSlot reads slot idx; absent reports a slot missing from the store, which reads as free
// (written with cas 0, see create).
func (t *table) readSlot(idx uint64) (s slot, absent bool, err error) {
	v, cas, err := t.store.Get(t.key(idx))
	if errors.Is(err, policy.ErrNotFound) {
		return slot{idx: idx}, true, nil
	}
	if err != nil {
		return slot{}, false, fmt.Errorf("reading shared slot: %w", err)
	}
	return slot{idx: idx, cas: cas, rec: decode(v)}, false, nil
}

// claim finds owner's slot among its candidates, or picks one for it: a free slot of the less
// loaded window, else (evict) the least recently used candidate, else errAtCap. fresh says the
// record must be initialized.
func (t *table) claim(owner uint64, now int64) (s slot, fresh bool, err error) {
	// A returning key is mostly found in its first candidate: that answer before the state of
	// the full scan is set up (in Go on Wasm, clearing it is a measurable cost per update).
	first, err := t.read(t.candidate(owner, 0))
	if err != nil {
		return slot{}, false, err
	}
	if first.rec.Owner == owner && first.rec.live(now) {
		return first, false, nil
	}
	return t.claimScan(owner, now, first)
}

// claimScan is claim past a first candidate (read as first) that does not hold owner.
func (t *table) claimScan(owner uint64, now int64, first slot) (s slot, fresh bool, err error) {
	var free [2]slot
	var haveFree [2]bool
	var load [2]int
	var oldest slot
	haveOldest := false
	for i := 0; i < candidates; i++ {
		c := first
		if i > 0 {
			if c, err = t.read(t.candidate(owner, i)); err != nil {
				return slot{}, false, err
			}
		}
		w := i / probeWindow
		switch {
		case c.rec.Owner == owner && c.rec.live(now):
			return c, false, nil
		case !c.rec.live(now):
			if !haveFree[w] {
				free[w], haveFree[w] = c, true
			}
		default:
			load[w]++
			if !haveOldest || c.rec.LastUse < oldest.rec.LastUse {
				oldest, haveOldest = c, true
			}
		}
	}
	switch {
	case haveFree[0] && (!haveFree[1] || load[0] <= load[1]):
		return free[0], true, nil
	case haveFree[1]:
		return free[1], true, nil
	case t.evict && haveOldest:
		return oldest, true, nil
	}
	return slot{}, false, errAtCap
}

// update applies fn to owner's record (claiming a slot for a new key) and writes it back with a
// compare-and-swap, retrying from the read when another worker wrote in between. fn gets the
// record (zeroed but for Owner when fresh) and returns false to leave it unwritten. After
// t.retries lost swaps it gives up with errContention.
func (t *table) update(owner uint64, now int64, fn func(rec *record, fresh bool) bool) error {
	for attempt := 0; attempt <= t.retries; attempt++ {
		s, fresh, err := t.claim(owner, now)
		if err != nil {
			return err
		}
		// fn edits the table's scratch record, not s.rec: a pointer into s handed to a func
		// value would move s to the heap, an allocation per update.
		t.rec = s.rec
		if fresh {
			t.rec = record{Owner: owner}
		}
		if !fn(&t.rec, fresh) {
			return nil
		}
		t.rec.LastUse = now
		t.valBuf = t.rec.encode(t.valBuf)
		err = t.store.CompareAndSwap(t.key(s.idx), t.valBuf, s.cas)
		if err == nil {
			return nil
		}
		if !errors.Is(err, policy.ErrCASMismatch) {
			return fmt.Errorf("writing shared slot: %w", err)
		}
	}
	return errContention
}

// sweep frees up to n slots, starting at the cursor, whose keys are idle at now, by writing an
// empty record (shared data cannot delete). A slot changed meanwhile is left to the next sweep.
// It returns how many of the slots it looked at were missing from the store: after create, a
// missing slot is one the host evicted (see evictionLine).
func (t *table) sweep(now int64, n int) (missing int, err error) {
	empty := (&record{}).encode(nil)
	for i := 0; i < n && uint64(i) < t.slots; i++ {
		idx := t.cursor
		t.cursor = (t.cursor + 1) % t.slots
		s, absent, err := t.readSlot(idx)
		if err != nil {
			return missing, err
		}
		if absent {
			missing++
		}
		if s.cas == 0 || s.rec.Owner == 0 || s.rec.live(now) {
			continue
		}
		err = t.store.CompareAndSwap(t.key(idx), empty, s.cas)
		if err != nil && !errors.Is(err, policy.ErrCASMismatch) {
			return missing, fmt.Errorf("sweeping shared slot: %w", err)
		}
	}
	return missing, nil
}

// missing counts the slots absent from the store. Right after create every slot exists, so on a
// host that evicts (ngx_wasm_module's shm_kv zone, when full) any absent slot was evicted.
func (t *table) missing() (int, error) {
	n := 0
	for i := uint64(0); i < t.slots; i++ {
		_, absent, err := t.readSlot(i)
		if err != nil {
			return n, err
		}
		if absent {
			n++
		}
	}
	return n, nil
}
