package glue

// The memory the host fills with what a host call returns (a header map, a property, shared
// data, a body) is allocated by the guest on the host's request: proxy-wasm's `malloc` export,
// which Envoy (proxy-wasm-cpp-host) and ngx_wasm_module both look up before the SDK's
// proxy_on_memory_allocate (hostalloc_wasip1.go exports it). The SDK's allocator makes a new
// slice per call, and in nginx that allocation was 2.8 % of pass-through's worker CPU (about
// 1.4 µs per request, most of it the Go allocator refilling its spans: docs/performance.md,
// "The host's allocations"). hostArena cuts small requests out of larger chunks instead.
//
// Safety rests on Go's collector, not on a lifetime rule: a chunk stays alive while anything
// points into it (strings the glue makes over a header map share its bytes), and a region is
// handed out once, never reused. The cost of that is retention: a string kept beyond its request
// keeps its whole chunk alive, so whatever is cached across requests is copied first (as the
// plugins' caches do: strings.Clone), and a chunk is small.

// arenaChunk is the size of one chunk; requests above arenaLargest get an allocation of their
// own (bodies, large configurations), so a chunk serves many requests' headers and properties.
// A chunk is a span of its own from the Go heap's page allocator, which in Go on Wasm costs some
// 20-30 µs whatever its size: with 16 KiB chunks (one per ~20 of nginx's requests) that was 16 %
// of pass-through's Go time in nginx. 32 KiB halves it at no cost in memory (the one-VM chain's
// nginx workers: 43.6 MiB anonymous with either); 64 KiB saved a few percent more of the Go
// time and cost 0.1-0.4 MiB per worker (docs/performance.md, "Yields and the host's chunks").
const (
	arenaChunk   = 32 << 10
	arenaLargest = 2 << 10
)

// hostArena is a bump allocator over chunks of arenaChunk bytes. The zero value is ready.
type hostArena struct {
	chunk []byte
	used  int
}

// alloc returns the address of size fresh, zeroed bytes (at least one, 8-byte aligned) that no
// other call has been given.
func (a *hostArena) alloc(size uint32) *byte {
	if size > arenaLargest {
		return &make([]byte, size)[0]
	}
	n := max((int(size)+7)&^7, 8)
	if a.used+n > len(a.chunk) {
		a.chunk, a.used = make([]byte, arenaChunk), 0
	}
	p := &a.chunk[a.used]
	a.used += n
	return p
}
