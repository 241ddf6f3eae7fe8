package glue

import (
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/wasmward/wasmward/shared/policy"
)

// A stream's httpContext is reused by a later stream of the same plugin context once it ended:
// in Go on Wasm each allocation, and the collections allocated bytes bring, is a large part of a
// request's cost, and the context (about 700 bytes, the policy's Request inside) with its two
// header lists was most of what the glue allocated per request (TestGuestAllocationsPerRequest).
// The response's header pairs, which only InitResponse reads, are decoded into storage the plugin
// context keeps.
//
// The SDK holds a stream's context until the host deletes it (proxy_on_delete), which comes after
// the stream's end (proxy_on_log). What it holds is a streamHandle: once the stream ended the
// handle lets go of its httpContext, and a callback the host might still make for that stream
// reaches nothing, never the stream that reuses the context.

// maxFreeStreams bounds the ended contexts a plugin context keeps for reuse: about as many
// streams as a worker runs at once, a few hundred kilobytes at most.
const maxFreeStreams = 64

// streamHandle is what the SDK holds for one stream: its httpContext until the stream ends.
type streamHandle struct{ c *httpContext }

// newStream returns the handle of a new stream, on an ended stream's context when one is free.
func (p *pluginContext) newStream(id uint32) *streamHandle {
	if n := len(p.freeStreams); n > 0 {
		c := p.freeStreams[n-1]
		p.freeStreams[n-1] = nil
		p.freeStreams = p.freeStreams[:n-1]
		c.id = id
		return p.newHandle(c)
	}
	return p.newHandle(&httpContext{p: p, id: id})
}

// handleBatch is how many stream handles newHandle allocates at once.
const handleBatch = 64

// newHandle returns a fresh handle of c, cut from a batch of handleBatch allocated together.
// Each handle is still handed out once and never reused (the SDK holds an ended stream's handle
// until the host deletes the stream), and a batch is freed when the SDK holds none of its
// handles; but one allocation serves 64 streams: a small allocation costs about a third of a
// microsecond in Go on Wasm, and one per stream was 4 % of pass-through's Go time in nginx.
func (p *pluginContext) newHandle(c *httpContext) *streamHandle {
	if len(p.handles) == 0 {
		p.handles = make([]streamHandle, handleBatch)
	}
	h := &p.handles[0]
	p.handles = p.handles[1:]
	h.c = c
	return h
}

// headerStorage is the storage of a stream's header lists: sent, and the policy's
// Request.Headers and Response.Headers (policy.InitRequest and InitResponse reuse theirs).
type headerStorage struct {
	sent              [][2]string
	request, response policy.Headers
}

// storage is c's header lists, which release empties or drop lets go of.
func (c *httpContext) storage() headerStorage {
	sent := c.sent
	if sent == nil { // a header-free stream that never read them: keep the last one's storage
		sent = c.sentStore
	}
	return headerStorage{sent, c.request.Headers, c.response.Headers}
}

// release takes an ended stream's context back for reuse, zeroed, with the storage of its header
// lists, emptied (their names and values point into the ended stream's host copies). A context
// that waited for a callout is not reused: the callout's answer may still come (resume), and
// must find that stream ended, not a new one; it only drops the stream's request.
func (p *pluginContext) release(c *httpContext, kept headerStorage) {
	if c.awaits > 0 || c.waiting || len(p.freeStreams) >= maxFreeStreams {
		c.drop()
		return
	}
	clear(kept.sent[:cap(kept.sent)])
	clear(kept.request[:cap(kept.request)])
	clear(kept.response[:cap(kept.response)])
	*c = httpContext{p: p, sentStore: kept.sent[:0]}
	c.request.Headers, c.response.Headers = kept.request[:0], kept.response[:0]
	p.freeStreams = append(p.freeStreams, c)
}

func (s *streamHandle) OnHttpRequestHeaders(numHeaders int, endOfStream bool) types.Action {
	if s.c == nil {
		return types.ActionContinue
	}
	return s.c.OnHttpRequestHeaders(numHeaders, endOfStream)
}

func (s *streamHandle) OnHttpRequestBody(bodySize int, endOfStream bool) types.Action {
	if s.c == nil {
		return types.ActionContinue
	}
	return s.c.OnHttpRequestBody(bodySize, endOfStream)
}

func (s *streamHandle) OnHttpRequestTrailers(numTrailers int) types.Action {
	if s.c == nil {
		return types.ActionContinue
	}
	return s.c.OnHttpRequestTrailers(numTrailers)
}

func (s *streamHandle) OnHttpResponseHeaders(numHeaders int, endOfStream bool) types.Action {
	if s.c == nil {
		return types.ActionContinue
	}
	return s.c.OnHttpResponseHeaders(numHeaders, endOfStream)
}

func (s *streamHandle) OnHttpResponseBody(bodySize int, endOfStream bool) types.Action {
	if s.c == nil {
		return types.ActionContinue
	}
	return s.c.OnHttpResponseBody(bodySize, endOfStream)
}

func (s *streamHandle) OnHttpResponseTrailers(numTrailers int) types.Action {
	if s.c == nil {
		return types.ActionContinue
	}
	return s.c.OnHttpResponseTrailers(numTrailers)
}

// OnHttpStreamDone ends the stream and lets go of its context, which a later stream may reuse.
func (s *streamHandle) OnHttpStreamDone() {
	c := s.c
	if c == nil {
		return
	}
	s.c = nil
	kept := c.storage()
	c.OnHttpStreamDone()
	c.p.release(c, kept)
}

var _ types.HttpContext = (*streamHandle)(nil)
