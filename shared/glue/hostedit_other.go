//go:build !wasip1

package glue

import "github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"

// replaceHeader sets the header name of m to value through the SDK (hostedit.go).
func replaceHeader(m headerMap, name, value string) {
	if m == requestHeaderMap {
		_ = proxywasm.ReplaceHttpRequestHeader(name, value)
		return
	}
	_ = proxywasm.ReplaceHttpResponseHeader(name, value)
}

// removeHeader removes the header name of m through the SDK.
func removeHeader(m headerMap, name string) {
	if m == requestHeaderMap {
		_ = proxywasm.RemoveHttpRequestHeader(name)
		return
	}
	_ = proxywasm.RemoveHttpResponseHeader(name)
}

// replaceBody replaces the body b with body through the SDK.
func replaceBody(b bodyBuffer, body []byte) {
	if b == requestBodyBuffer {
		_ = proxywasm.ReplaceHttpRequestBody(body)
		return
	}
	_ = proxywasm.ReplaceHttpResponseBody(body)
}

// readBody reads the first size bytes of the body b through the SDK.
func readBody(b bodyBuffer, size int) ([]byte, error) {
	if b == requestBodyBuffer {
		return proxywasm.GetHttpRequestBody(0, size)
	}
	return proxywasm.GetHttpResponseBody(0, size)
}
