package harness_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/shared/harness"
)

// TestWasmModeDeletesStreams: the Wasm mode deletes each stream's context when it ends, as Envoy
// and nginx do, so the guest heap holds only what outlives streams (plus garbage, below Go's
// 4 MiB minimum collection target). Before it did, passthrough's guest heap grew by about 270
// bytes a stream: 5.4 MiB after 20,000 streams, about 11 after 40,000 (1.9 and under 4 since).
func TestWasmModeDeletesStreams(t *testing.T) {
	h := harness.MustStart(t, harness.Wasm, harness.Baseline, harness.BaselineConfig, harness.Options{FreshVM: true})
	req := harness.Request{Path: "/a", Headers: [][2]string{{"user-agent", "test"}}}
	for i := range 40_000 {
		if res := h.Do(req); res.Reply.Status != 200 {
			t.Fatalf("request %d: status %d", i, res.Reply.Status)
		}
	}
	require.Less(t, h.HeapBytes(), uint64(8<<20), "guest heap after 40,000 streams")
}

// TestWasmModeDeletesPluginContexts: closing a Wasm-mode host deletes its plugin context in the
// guest, as a host does when a configuration goes, so hosts started one after another on a
// module's shared VM (every benchmark block is one) leave the guest heap as they found it. Before
// they did, each left its plugin context behind: passthrough's guest heap grew by about 4.3 KiB a
// host (4.4 MiB after 1,000), jwtauthn's by about 45 KiB (9.1 MiB after a benchmark's 200 blocks).
func TestWasmModeDeletesPluginContexts(t *testing.T) {
	req := harness.Request{Path: "/a"}
	var heap uint64
	for i := range 1_500 {
		h := harness.MustStart(t, harness.Wasm, harness.Baseline, harness.BaselineConfig)
		if res := h.Do(req); res.Reply.Status != 200 {
			t.Fatalf("host %d: status %d", i, res.Reply.Status)
		}
		heap = h.HeapBytes() // sampled as the plugin started
		h.Close()
	}
	require.Less(t, heap, uint64(4<<20), "guest heap after 1,500 hosts on one VM")
}
