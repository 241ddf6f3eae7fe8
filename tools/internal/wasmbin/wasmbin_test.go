package wasmbin

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLEB128RoundTrip: what AppendUint and AppendInt write, Uint and Int read back, in as many
// bytes as the encoding needs.
func TestLEB128RoundTrip(t *testing.T) {
	for _, v := range []uint64{0, 1, 63, 64, 127, 128, 1 << 30, math.MaxUint32, math.MaxUint64} {
		b := AppendUint(nil, v)
		r := &Reader{B: b}
		require.Equal(t, v, r.Uint(), "%d", v)
		require.NoError(t, r.Err)
		require.Equal(t, len(b), r.Off, "%d", v)
	}
	for _, v := range []int64{0, 1, -1, 63, 64, -64, -65, 1 << 30, 1<<30 - 1, math.MinInt32, math.MaxInt64, math.MinInt64} {
		b := AppendInt(nil, v)
		r := &Reader{B: b}
		require.Equal(t, v, r.Int(), "%d", v)
		require.NoError(t, r.Err)
		require.Equal(t, len(b), r.Off, "%d", v)
	}
	require.Equal(t, []byte{0xc0, 0x00}, AppendInt(nil, 64), "64 needs a second byte: its first byte's sign bit is set")
	require.Equal(t, []byte{0x40}, AppendInt(nil, -64))
}
