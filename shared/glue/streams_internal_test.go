package glue

import (
	"testing"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

// TestEndedStreamReachesNothing: an ended stream's context is reused by the next stream, and a
// callback the host might still make for the ended stream reaches nothing; a stream that waited
// for a callout is never reused, so the callout's late answer finds it ended (resume), and keeps
// nothing of its request.
func TestEndedStreamReachesNothing(t *testing.T) {
	p := &pluginContext{host: &host{}}
	first := p.newStream(1)
	c := first.c
	first.OnHttpStreamDone()
	second := p.newStream(2)
	if second.c != c || c.id != 2 || c.done {
		t.Fatalf("the ended stream's context was not reused as new: reused %v, id %d, done %v", second.c == c, c.id, c.done)
	}
	for name, call := range map[string]func() types.Action{
		"request headers":   func() types.Action { return first.OnHttpRequestHeaders(1, true) },
		"request body":      func() types.Action { return first.OnHttpRequestBody(1, true) },
		"request trailers":  func() types.Action { return first.OnHttpRequestTrailers(1) },
		"response headers":  func() types.Action { return first.OnHttpResponseHeaders(1, true) },
		"response body":     func() types.Action { return first.OnHttpResponseBody(1, true) },
		"response trailers": func() types.Action { return first.OnHttpResponseTrailers(1) },
	} {
		if got := call(); got != types.ActionContinue || c.req != nil || c.replied {
			t.Errorf("%s on the ended stream: %v, and the new stream's request %v, replied %v", name, got, c.req, c.replied)
		}
	}
	first.OnHttpStreamDone()
	if len(p.freeStreams) != 0 || second.c != c {
		t.Fatalf("ending the ended stream again released its context: %d free", len(p.freeStreams))
	}

	c.awaits = 1 // the second stream waited for a callout
	c.request.Path = "/orders/7"
	c.req = &c.request
	second.OnHttpStreamDone()
	if third := p.newStream(3); third.c == c || !c.done {
		t.Errorf("a stream that waited for a callout was reused (%v) or not ended (done %v)", third.c == c, c.done)
	}
	if c.req != nil || c.request.Path != "" {
		t.Errorf("the context not reused kept its request (%v, path %q)", c.req, c.request.Path)
	}
}
