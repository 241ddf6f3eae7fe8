package glue

import (
	"testing"
	"unsafe"
)

// TestHostArenaHandsOutFreshDisjointRegions: every region is zeroed, 8-byte aligned and shares
// no byte with another, across chunk boundaries; a request above arenaLargest gets memory of
// its own; a request of 0 bytes still gets a valid address.
func TestHostArenaHandsOutFreshDisjointRegions(t *testing.T) {
	var a hostArena
	type region struct{ start, end uintptr }
	var seen []region
	var live [][]byte // kept reachable: a freed region's address may be handed out again
	sizes := []uint32{0, 1, 7, 8, 9, 100, 700, arenaLargest, arenaLargest + 1, 64 << 10, 3, 1500}
	for round := range 40 { // 40 rounds cross many chunks
		for _, size := range sizes {
			p := a.alloc(size)
			if p == nil {
				t.Fatalf("round %d: alloc(%d) = nil", round, size)
			}
			start := uintptr(unsafe.Pointer(p))
			if size <= arenaLargest && start%8 != 0 {
				t.Fatalf("alloc(%d) = %#x, not 8-byte aligned", size, start)
			}
			b := unsafe.Slice(p, max(size, 1))
			for i, c := range b[:size] {
				if c != 0 {
					t.Fatalf("alloc(%d): byte %d is %d, not zero", size, i, c)
				}
			}
			end := start + uintptr(max(size, 1))
			for _, r := range seen {
				if start < r.end && r.start < end {
					t.Fatalf("alloc(%d) = [%#x, %#x) overlaps [%#x, %#x)", size, start, end, r.start, r.end)
				}
			}
			seen, live = append(seen, region{start, end}), append(live, b)
			for i := range b[:size] { // the host fills what it was given
				b[i] = 0xff
			}
		}
	}
}

// TestHostArenaCutsSmallRequestsFromChunks: small requests share a chunk (one Go allocation
// for many host calls), larger ones never take a chunk's room.
func TestHostArenaCutsSmallRequestsFromChunks(t *testing.T) {
	var a hostArena
	a.alloc(600)
	chunk := &a.chunk[0]
	for range arenaChunk/600 - 1 {
		a.alloc(600)
	}
	if &a.chunk[0] != chunk {
		t.Fatalf("%d requests of 600 bytes took more than one %d-byte chunk", arenaChunk/600, arenaChunk)
	}
	used := a.used
	a.alloc(arenaLargest + 1)
	if &a.chunk[0] != chunk || a.used != used {
		t.Fatal("a request above arenaLargest took room in the chunk")
	}
	a.alloc(600)
	if &a.chunk[0] == chunk {
		t.Fatal("a full chunk served one more request")
	}
}
