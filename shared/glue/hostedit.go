package glue

// Edits of the messages the host holds, made on most requests of a policy that changes
// anything: header replacements and removals, a body's replacement, and the read of a buffered
// body. Every edit ignores the host's refusal, as the glue always has: an edit the host refuses
// leaves the message as it was, and nothing on the request path could do better than go on; a
// body's read returns the SDK's error. The wasip1 build makes these host calls itself
// (hostedit_wasip1.go), other builds through the SDK (hostedit_other.go).

// headerMap is a proxy-wasm header map type: the request's headers or the response's.
type headerMap uint32

const (
	requestHeaderMap  headerMap = 0 // proxy-wasm's MapType HttpRequestHeaders
	responseHeaderMap headerMap = 2 // HttpResponseHeaders
)

// bodyBuffer is a proxy-wasm buffer type: the request's body or the response's.
type bodyBuffer uint32

const (
	requestBodyBuffer  bodyBuffer = 0 // proxy-wasm's BufferType HttpRequestBody
	responseBodyBuffer bodyBuffer = 1 // HttpResponseBody
)
