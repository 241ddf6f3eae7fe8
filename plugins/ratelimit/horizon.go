package ratelimit

import (
	"encoding/binary"
	"errors"

	"github.com/wasmward/wasmward/shared/policy"
)

// horizon is the latest end of any ban a local ban rule started in the namespace, kept in one
// shared key next to the ban table ("<prefix>x.until", 8 bytes, Unix nanoseconds). A clean
// key's ban check reads all 8 of its candidate slots, on every request; while the horizon has
// passed no local ban can be live, so the check reads this one key instead. A ban is written to
// its slot first and the horizon raised after, so a worker that reads a raised horizon finds the
// slot. Anything but a readable, passed horizon (missing key, another value, a store error)
// means "look at the slots": the check never skips on doubt.
type horizon struct {
	store   policy.SharedStore
	key     string
	retries int
	buf     []byte
}

func newHorizon(store policy.SharedStore, key string, retries int) *horizon {
	// A lost swap means another worker raised it meanwhile: enough rounds for every worker to
	// have written once, whatever casRetries says.
	return &horizon{store: store, key: key, retries: max(retries, 16), buf: make([]byte, 0, 8)}
}

// create writes a passed horizon (0) when the key does not exist yet; at start, as the slots.
func (h *horizon) create() error {
	_, _, err := h.store.Get(h.key)
	if errors.Is(err, policy.ErrNotFound) {
		err = h.store.CompareAndSwap(h.key, binary.LittleEndian.AppendUint64(nil, 0), 0)
		if errors.Is(err, policy.ErrCASMismatch) { // another worker created it meanwhile
			err = nil
		}
	}
	return err
}

// passed reports whether no local ban can be live at now.
func (h *horizon) passed(now int64) bool {
	v, _, err := h.store.Get(h.key)
	return err == nil && len(v) == 8 && int64(binary.LittleEndian.Uint64(v)) <= now
}

// raise makes the horizon at least until (a ban's end), after its slot is written.
func (h *horizon) raise(until int64) error {
	for attempt := 0; attempt <= h.retries; attempt++ {
		v, cas, err := h.store.Get(h.key)
		if err != nil && !errors.Is(err, policy.ErrNotFound) { // not found: written with cas 0
			return err
		}
		if len(v) == 8 && int64(binary.LittleEndian.Uint64(v)) >= until {
			return nil
		}
		h.buf = binary.LittleEndian.AppendUint64(h.buf[:0], uint64(until))
		err = h.store.CompareAndSwap(h.key, h.buf, cas)
		if !errors.Is(err, policy.ErrCASMismatch) {
			return err
		}
	}
	return errContention
}
