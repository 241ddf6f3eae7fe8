package glue

import (
	"encoding/binary"
	"slices"
	"unsafe"
)

// Reads from the host on every request: the replied marker and request.path on nginx (see
// getProperty), the identity handed off (getProperty, setProperty), the properties policies
// read (readProperty), the request headers (getRequestHeaders) and the response's status
// (getResponseStatus). The wasip1 build makes these
// host calls itself (hostread_wasip1.go), other builds through the SDK (hostread_other.go).

// propertyPath is a host property path the glue reads on every request, serialized once (the
// proxy-wasm encoding: parts joined by NUL bytes) for getProperty.
type propertyPath struct {
	parts []string
	raw   []byte
}

func newPropertyPath(parts ...string) propertyPath {
	return propertyPath{parts: parts, raw: appendPropertyPath(nil, parts)}
}

// appendPropertyPath appends path to b in the proxy-wasm encoding: its parts joined by NUL
// bytes, as the SDK's SerializePropertyPath makes it.
func appendPropertyPath(b []byte, path []string) []byte {
	for i, part := range path {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, part...)
	}
	return b
}

// decodeMap decodes a header map in the proxy-wasm encoding, as the SDK's decoder does: the
// number of pairs, each pair's key and value sizes (little-endian uint32s), then each key and
// value followed by a NUL. The pairs go into dst's storage when it has room (a reused stream's:
// see release). The strings share bs, the host's copy in guest memory. Malformed input panics
// (index out of range), as with the SDK: the caller's guard fails the request closed.
func decodeMap(dst [][2]string, bs []byte) [][2]string {
	n := int(binary.LittleEndian.Uint32(bs))
	sizes, data := 4, 4+8*n
	if n > len(bs) { // each pair takes at least its two sizes: refused before any allocation
		panic("header map: more pairs than bytes")
	}
	out := slices.Grow(dst[:0], n)[:n]
	for i := range out {
		for j := range 2 {
			size := int(binary.LittleEndian.Uint32(bs[sizes:]))
			sizes += 4
			s := bs[data : data+size]
			out[i][j] = unsafe.String(unsafe.SliceData(s), len(s))
			data += size + 1
		}
	}
	return out
}
