package harness_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/shared/harness"
)

// TestAlternate: every index runs once per role, in blocks whose order of roles alternates, each
// block on a host of its own that is closed after it; an error of start ends the run.
func TestAlternate(t *testing.T) {
	type block struct{ role, first, last int }
	var blocks []block
	var hosts []*harness.Host
	starts := 0
	start := func(role int) (*harness.Host, error) {
		starts++
		h, err := harness.NewHost(harness.Native, harness.Baseline, harness.BaselineConfig, harness.Options{})
		hosts = append(hosts, h)
		return h, err
	}
	next := func(int) harness.Request { return harness.Request{Path: "/"} }
	err := harness.Alternate(10, 4, start, next, func(role int, h *harness.Host, first, last int) {
		require.Same(t, hosts[len(hosts)-1], h, "a block runs on the host just started")
		blocks = append(blocks, block{role, first, last})
	})
	require.NoError(t, err)
	require.Equal(t, []block{
		{0, 0, 2}, {1, 0, 2}, {1, 2, 5}, {0, 2, 5}, {0, 5, 7}, {1, 5, 7}, {1, 7, 10}, {0, 7, 10},
	}, blocks)
	require.Equal(t, 2+8, starts, "a warm-up host per role, then one per block and role")
	for _, h := range hosts {
		h.Close() // each was closed already: a second Close does nothing
	}
	// The emulator holds one host at a time: had one stayed open, this would wait forever.
	harness.MustStart(t, harness.Native, harness.Baseline, harness.BaselineConfig).Close()

	refused := errors.New("no host")
	calls := 0
	err = harness.Alternate(10, 4, func(role int) (*harness.Host, error) {
		if role == 1 {
			return nil, refused
		}
		return harness.NewHost(harness.Native, harness.Baseline, harness.BaselineConfig, harness.Options{})
	}, next, func(int, *harness.Host, int, int) { calls++ })
	require.ErrorIs(t, err, refused)
	require.Zero(t, calls)
}
