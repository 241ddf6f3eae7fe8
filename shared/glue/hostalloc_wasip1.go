//go:build wasip1

package glue

// hostMemory serves the host's allocations for this module (one per VM; a wasip1 module runs one
// host call at a time, and the allocator calls no host function).
var hostMemory hostArena

// hostMalloc is proxy-wasm's `malloc`: the hosts call it, when the module exports it, in place
// of proxy_on_memory_allocate (see hostalloc.go).
//
//go:wasmexport malloc
func hostMalloc(size uint32) *byte { return hostMemory.alloc(size) }
