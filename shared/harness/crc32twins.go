package harness

import (
	"hash/crc32"
	"strconv"
)

// CRC32Twins returns two different keys starting with prefix whose CRC-32s (IEEE, nginx's
// ngx_crc32_long) are equal: one shared-data entry on a host keyed by CRC-32
// (HostProfile.SharedDataKeyedByCRC32). It searches pseudo-random suffixes (a birthday search:
// about 80,000 keys, deterministic for a prefix): two keys of one length that differ only within
// 4 consecutive bytes never collide, CRC-32 detects every such change.
func CRC32Twins(prefix string) (string, string) {
	seen := make(map[uint32]string, 1<<17)
	x := uint64(0x9e3779b97f4a7c15)
	for {
		x += 0x9e3779b97f4a7c15 // splitmix64
		z := x
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		z ^= z >> 31
		key := prefix + strconv.FormatUint(z, 36)
		sum := crc32.ChecksumIEEE([]byte(key))
		if other, ok := seen[sum]; ok && other != key {
			return other, key
		}
		seen[sum] = key
	}
}
