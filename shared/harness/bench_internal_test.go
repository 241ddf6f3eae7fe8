package harness

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestBlockRatio: the median of the pairs' ratios, a pair with no baseline latency skipped, and
// a slow block of either role (a burst of the machine's load) moving nothing.
func TestBlockRatio(t *testing.T) {
	us := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Microsecond
		}
		return out
	}
	for _, c := range []struct {
		name             string
		plugin, baseline []time.Duration
		want             float64
		ok               bool
	}{
		{"odd", us(10, 20, 30), us(10, 10, 10), 2, true},
		{"even", us(10, 20, 30, 40), us(10, 10, 10, 10), 2.5, true},
		{"slow blocks", us(12, 12, 60, 12, 12), us(8, 40, 8, 8, 8), 1.5, true},
		{"no baseline latency", us(10, 30), us(0, 10), 3, true},
		{"unequal lengths", us(10, 20, 99), us(10, 10), 1.5, true},
		{"none", nil, nil, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := blockRatio(c.plugin, c.baseline)
			require.Equal(t, c.ok, ok)
			require.InDelta(t, c.want, got, 1e-9)
		})
	}
}
