//go:build wasip1

package glue

import (
	"fmt"
	"unsafe"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"

	"github.com/wasmward/wasmward/shared/policy"
)

// The proxy-wasm host calls the SDK's GetProperty and GetHttpRequestHeaders make (its internal
// package declares the same imports). Hand-written for the reads made on every request: the SDK
// allocates the pointer the host writes the result's address to on each call, and GetProperty
// serializes the path each time too; an allocation costs about half a microsecond in Go on
// Wasm (measured in nginx, docs/performance.md).
//
//go:wasmimport env proxy_get_property
func proxyGetProperty(pathData *byte, pathSize int32, returnValueData unsafe.Pointer, returnValueSize *int32) uint32

//go:wasmimport env proxy_set_property
func proxySetProperty(pathData *byte, pathSize int32, valueData *byte, valueSize int32) uint32

//go:wasmimport env proxy_get_shared_data
func proxyGetSharedData(keyData *byte, keySize int32, returnValueData unsafe.Pointer, returnValueSize *int32, returnCas *uint32) uint32

//go:wasmimport env proxy_get_header_map_value
func proxyGetHeaderMapValue(mapType uint32, keyData *byte, keySize int32, returnValueData unsafe.Pointer, returnValueSize *int32) uint32

//go:wasmimport env proxy_get_header_map_pairs
func proxyGetHeaderMapPairs(mapType uint32, returnValueData unsafe.Pointer, returnValueSize *int32) uint32

//go:wasmimport env proxy_increment_metric
func proxyIncrementMetric(metricID uint32, offset int64) uint32

// incrementCounter adds one to the counter c, ignoring a host that refuses: a request never fails
// for its metric. The SDK's Increment panics on a refusal, which costs every caller a deferred
// recover (a large part of a callback that does little, in Go on Wasm).
func incrementCounter(c proxywasm.MetricCounter) { proxyIncrementMetric(uint32(c), 1) }

// statusOK, statusNotFound and statusCasMismatch are proxy-wasm statuses.
const (
	statusOK          = 0
	statusNotFound    = 1
	statusCasMismatch = 8
)

// The host writes a result's address and size here. They are globals, never stack slots: the
// host calls back into the module (its allocator, hostalloc.go) before it writes them, and a wasip1
// module runs one host call at a time.
var (
	hostData *byte
	hostSize int32
	hostCas  uint32
)

// takeHostData returns the result the host wrote and clears hostData, which must not keep it
// alive.
func takeHostData() []byte {
	data, size := hostData, hostSize
	hostData, hostSize = nil, 0
	return unsafe.Slice(data, size)
}

// stringData and bytesData are the bytes of s and b for a host call, nil when there are none, as
// the SDK passes them.
func stringData(s string) *byte {
	if s == "" {
		return nil
	}
	return unsafe.StringData(s)
}

func bytesData(b []byte) *byte {
	if len(b) == 0 {
		return nil
	}
	return &b[0]
}

// hostString is a host result in guest memory as a string, without a copy: the host wrote it
// into memory the glue's allocator handed out for it (hostalloc.go), which is never handed out
// again, so its bytes never change while the string points to them. Only for results the
// caller does not write to.
func hostString(v []byte) string { return unsafe.String(unsafe.SliceData(v), len(v)) }

// propertyStrings turns the requests' string properties into strings (hostProperties.
// PropertyString): the host's bytes as they are (hostString), which costs no allocation. A memo
// of the last values (the native build's propertyStrings) saves nothing here, and comparing against
// it was about a third of reading the source address (policy.Request.SourceAddress) in a wazero
// profile of ratelimit's BenchmarkOneLimit, whose clients change from request to request
// (docs/performance.md, thirty-fourth session).
type propertyStrings struct{}

func (propertyStrings) str(_ []string, v []byte) string { return hostString(v) }

// getProperty reads the property at p, as proxywasm.GetProperty(p.parts) does: ok is false when
// the host reports any status but OK. The value is the host's copy in guest memory.
func getProperty(p propertyPath) (value []byte, ok bool) { return getRawProperty(p.raw) }

// setProperty sets the property at p to value, as proxywasm.SetProperty(p.parts, value) does
// (which serializes the path on every call): false when the host refuses it or value is empty.
func setProperty(p propertyPath, value []byte) bool {
	if len(value) == 0 {
		return false
	}
	return proxySetProperty(&p.raw[0], int32(len(p.raw)), &value[0], int32(len(value))) == statusOK
}

// pathScratch holds the path of the last readProperty, serialized into the same bytes each time
// (a wasip1 module runs one host call at a time).
var pathScratch []byte

// readProperty is getProperty for a path known only at the call (policy.Properties): the SDK's
// GetProperty allocates the serialized path and the result's address on every call, this
// allocates neither. An empty path is no property (the SDK refuses it too).
func readProperty(path []string) (value []byte, ok bool) {
	pathScratch = appendPropertyPath(pathScratch[:0], path)
	return getRawProperty(pathScratch)
}

// getRawProperty reads the property at a serialized path.
func getRawProperty(raw []byte) (value []byte, ok bool) {
	if len(raw) == 0 {
		return nil, false
	}
	hostData, hostSize = nil, 0
	if proxyGetProperty(&raw[0], int32(len(raw)), unsafe.Pointer(&hostData), &hostSize) != statusOK {
		hostData = nil
		return nil, false
	}
	return takeHostData(), true
}

// getRequestHeaders is proxywasm.GetHttpRequestHeaders, and getResponseHeaders
// proxywasm.GetHttpResponseHeaders, without the SDK's allocation per name and value (decodeMap);
// the pairs go into dst's storage when it has room.
func getRequestHeaders(dst [][2]string) ([][2]string, error) {
	return getHeaderMap(requestHeaderMap, dst, proxywasm.GetHttpRequestHeaders)
}

func getResponseHeaders(dst [][2]string) ([][2]string, error) {
	return getHeaderMap(responseHeaderMap, dst, proxywasm.GetHttpResponseHeaders)
}

// getHeaderMap reads the header map m. When the host fails, the SDK (sdkRead, for the
// same map) is asked again for its error: the same error as before, on a path never taken in
// practice.
func getHeaderMap(m headerMap, dst [][2]string, sdkRead func() ([][2]string, error)) ([][2]string, error) {
	hostData, hostSize = nil, 0
	if proxyGetHeaderMapPairs(uint32(m), unsafe.Pointer(&hostData), &hostSize) != statusOK || hostData == nil {
		hostData = nil
		return sdkRead()
	}
	return decodeMap(dst, takeHostData()), nil
}

// statusHeader is the response's :status header name.
var statusHeader = []byte(":status")

// getResponseStatus is proxywasm.GetHttpResponseHeader(":status") ("" when the host has none),
// without its per-call allocations: read on every response of a policy that only needs the
// status (policy.StatusOnlyResponse).
func getResponseStatus() string {
	hostData, hostSize = nil, 0
	if proxyGetHeaderMapValue(uint32(responseHeaderMap), &statusHeader[0], int32(len(statusHeader)), unsafe.Pointer(&hostData), &hostSize) != statusOK {
		hostData = nil
		return ""
	}
	b := takeHostData()
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// getSharedData is proxywasm.GetSharedData without its allocations: the SDK's result pointers
// (value, size, CAS) escape to the heap on every call, three objects per read, and ratelimit
// reads a slot or two on every request. Its errors are the policy's (sharedStore): a key not
// found answers policy.ErrNotFound without a second call (a clean key is the common case); any
// other failure asks the SDK again for its error, on a path never taken in practice.
func getSharedData(key string) ([]byte, uint32, error) {
	if key == "" {
		v, cas, err := proxywasm.GetSharedData(key)
		return v, cas, mapStatus(err)
	}
	hostData, hostSize, hostCas = nil, 0, 0
	switch proxyGetSharedData(unsafe.StringData(key), int32(len(key)), unsafe.Pointer(&hostData), &hostSize, &hostCas) {
	case statusOK:
		return takeHostData(), hostCas, nil
	case statusNotFound:
		hostData = nil
		return nil, 0, policy.ErrNotFound
	}
	hostData = nil
	v, cas, err := proxywasm.GetSharedData(key)
	return v, cas, mapStatus(err)
}

//go:wasmimport env proxy_set_shared_data
func proxySetSharedData(keyData *byte, keySize int32, valueData *byte, valueSize int32, cas uint32) uint32

// setSharedData sets key to value if its compare-and-swap value is still cas (0: whatever it
// is), as proxywasm.SetSharedData, with the statuses a store decides by (sharedStore) answered
// as the policy's errors directly: the SDK's error values cost errors.Is calls to map (rate
// limiting swaps a slot or two per request).
func setSharedData(key string, value []byte, cas uint32) error {
	switch st := proxySetSharedData(stringData(key), int32(len(key)), bytesData(value), int32(len(value)), cas); st {
	case statusOK:
		return nil
	case statusCasMismatch:
		return policy.ErrCASMismatch
	case statusNotFound:
		return policy.ErrNotFound
	default:
		return fmt.Errorf("proxy_set_shared_data: host status %d", st)
	}
}
