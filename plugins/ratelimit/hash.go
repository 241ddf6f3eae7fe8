package ratelimit

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/dchest/siphash"
)

// hasher turns a (rule id, descriptor) pair into the 64-bit key stored in shared data. It is
// SipHash-2-4, a keyed PRF: with a secret key (keys.hashKeyEnv) nobody can aim many values at the
// same slots (hash flooding); without one the key is derived from the namespace, which keeps raw
// values out of shared data but makes slot placement predictable.
type hasher struct{ k0, k1 uint64 }

func newHasher(secret []byte) hasher {
	sum := sha256.Sum256(append([]byte("wasmward.ratelimit.key\x00"), secret...))
	return hasher{binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])}
}

// sum hashes buf; the result is never 0, which marks a free slot.
func (h hasher) sum(buf []byte) uint64 {
	v := siphash.Hash(h.k0, h.k1, buf)
	if v == 0 {
		v = 1
	}
	return v
}

// appendKey appends the hashed input for rule id and the descriptor's (key, value) pairs.
// Every part is NUL-terminated, so no two different inputs produce the same bytes.
func appendKey(buf []byte, id string, d *descriptor, vals []string) []byte {
	buf = append(append(buf, id...), 0)
	for i := range d.entries {
		buf = append(append(buf, d.entries[i].key...), 0)
		buf = append(append(buf, vals[i]...), 0)
	}
	return buf
}
