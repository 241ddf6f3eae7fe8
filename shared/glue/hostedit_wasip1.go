//go:build wasip1

package glue

import (
	"math"
	"unsafe"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
)

// The proxy-wasm host calls behind the SDK's header and body edits (hostedit.go), declared
// here as hostread_wasip1.go declares its reads. Hand-written because the SDK's wrappers cost
// a request more than the calls: each edit goes through two wrappers and turns the host's status
// into an error value (StatusToError) that the glue never reads, and a body's read allocates the
// two slots the host writes its result's address and size to. In a wazero profile of jwtauthn's
// warm request (three edits; its preferred config makes five on nginx) the wrappers were about
// 2 % of the guest's samples; mask's response path (a body read, three edits) gained about 4 %
// of its p50 (docs/performance.md, "Header and body edits by the glue's own imports").
//
//go:wasmimport env proxy_replace_header_map_value
func proxyReplaceHeaderMapValue(mapType uint32, keyData *byte, keySize int32, valueData *byte, valueSize int32) uint32

//go:wasmimport env proxy_remove_header_map_value
func proxyRemoveHeaderMapValue(mapType uint32, keyData *byte, keySize int32) uint32

//go:wasmimport env proxy_get_buffer_bytes
func proxyGetBufferBytes(bufferType uint32, start, maxSize int32, returnData unsafe.Pointer, returnSize *int32) uint32

//go:wasmimport env proxy_set_buffer_bytes
func proxySetBufferBytes(bufferType uint32, start, maxSize int32, data *byte, size int32) uint32

// replaceHeader replaces the header name of m with value, or adds it (the host's replace: how it
// treats a repeated name is the host's, see duplicateEdit).
func replaceHeader(m headerMap, name, value string) {
	proxyReplaceHeaderMapValue(uint32(m), stringData(name), int32(len(name)), stringData(value), int32(len(value)))
}

// removeHeader removes the header name of m.
func removeHeader(m headerMap, name string) {
	proxyRemoveHeaderMapValue(uint32(m), stringData(name), int32(len(name)))
}

// replaceBody replaces the whole body b (as much of it as the host holds) with body, as the
// SDK's replace does: from 0, up to the largest size.
func replaceBody(b bodyBuffer, body []byte) {
	proxySetBufferBytes(uint32(b), 0, math.MaxInt32, bytesData(body), int32(len(body)))
}

// readBody reads the first size bytes of the body b: the host's copy in guest memory. When the
// host fails, the SDK's own read is asked again for its error, as getHeaderMap does.
func readBody(b bodyBuffer, size int) ([]byte, error) {
	hostData, hostSize = nil, 0
	if proxyGetBufferBytes(uint32(b), 0, int32(size), unsafe.Pointer(&hostData), &hostSize) != statusOK || hostData == nil {
		hostData = nil
		if b == requestBodyBuffer {
			return proxywasm.GetHttpRequestBody(0, size)
		}
		return proxywasm.GetHttpResponseBody(0, size)
	}
	return takeHostData(), nil
}
