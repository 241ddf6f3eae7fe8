//go:build wasip1

package glue

import "unsafe"

// proxyGetProperty is the proxy-wasm host call the SDK's GetProperty makes (its internal
// package declares the same import). Hand-written for the properties read on every request
// (getProperty): the SDK serializes the path and allocates the result's pointer on each call,
// two allocations, and an allocation costs about half a microsecond in Go on Wasm (measured in
// nginx, docs/performance.md).
//
//go:wasmimport env proxy_get_property
func proxyGetProperty(pathData *byte, pathSize int32, returnValueData unsafe.Pointer, returnValueSize *int32) uint32

// The host writes a property's address and size here. They are globals, never stack slots: the
// host calls back into the module (proxy_on_memory_allocate) before it writes them, and a wasip1
// module runs one host call at a time.
var (
	propertyData *byte
	propertySize int32
)

// getProperty reads the property at p, as proxywasm.GetProperty(p.parts) does: ok is false when
// the host reports any status but OK. The value is the host's copy in guest memory.
func getProperty(p propertyPath) (value []byte, ok bool) {
	propertyData, propertySize = nil, 0
	if proxyGetProperty(&p.raw[0], int32(len(p.raw)), unsafe.Pointer(&propertyData), &propertySize) != 0 {
		return nil, false
	}
	data, size := propertyData, propertySize
	propertyData = nil // the value is the caller's now: this global must not keep it alive
	return unsafe.Slice(data, size), true
}
