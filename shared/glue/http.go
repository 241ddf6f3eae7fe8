package glue

import (
	"strconv"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/wasmward/wasmward/shared/audit"
	"github.com/wasmward/wasmward/shared/metrics"
	"github.com/wasmward/wasmward/shared/policy"
)

// phase names where a decision applies.
type phase uint8

const (
	requestHeaders phase = iota
	requestBody
	responseHeaders
	responseBody
)

// httpContext is one HTTP stream.
type httpContext struct {
	types.DefaultHttpContext
	p    *pluginContext
	id   uint32 // the host's context id, to resume the stream from a callout (see await.go)
	req  *policy.Request
	resp *policy.Response
	// request is req's storage, allocated with the context: one allocation per stream instead
	// of two (Go on Wasm allocates slowly). Zeroed when the stream ends (OnHttpStreamDone).
	request policy.Request
	// response is resp's storage, as request is req's: the status alone for a StatusOnlyResponse
	// policy, else the response headers. Zeroed when the stream ends.
	response policy.Response

	replied    bool // a local reply was sent: later callbacks (including our own reply's) pass
	bufferBody bool // the request body is being buffered for the body phase
	bufferResp bool // the response body is being buffered for the response body phase
	respPaused bool // on_response_body paused once to buffer
	bodySize   int  // buffered sizes so far, for bodies that end with trailers
	// handoffCopies counts the identity handoff headers the client sent (identity producers).
	handoffCopies int
	// sent is the request headers as the host holds them, which policies (a chain) may edit in
	// their own view (see sentCount); nil until read.
	sent      [][2]string
	sentNames nameIndex // what sentCount learnt of sent's names
	// headersRead: sent and the request's header-derived fields hold the host's request headers,
	// read before the decision or, for a header-free policy, after it (readRequestHeaders).
	headersRead bool
	// sentStore is the storage of sent in a reused context's last stream, for this one's (see
	// release).
	sentStore [][2]string
	// waiting: the request is paused for a policy's callout (await.go); bodyEnded records a body
	// that ended meanwhile. done: the stream is over. setHeaders: this stream set a request
	// header since sent was read (see removeRequestHeader).
	waiting, bodyEnded, done, setHeaders bool
	awaits                               int // Defer decisions waited for (settle)
	// hostPath is the :path the host gave where it differs from the request's raw target
	// (nginx: its decoded, normalized URI; see useRawPath).
	hostPath string
	respSize int
	// replacement, when non-nil, replaces every response body chunk still to come: a
	// response-phase deny on a host that cannot send a local reply then (see replaceResponse).
	replacement []byte
}

// failureBody is the reply when a policy fails internally. It says nothing about the policy.
var failureBody = []byte("internal policy error\n")

// guard recovers a panic at a host entry point: the request fails closed (500) unless the config
// says failureMode "open". It is deferred with a pointer to the callback's result.
func (c *httpContext) guard(action *types.Action) {
	r := recover()
	if r == nil {
		return
	}
	c.p.host.Log(policy.LogError, "internal error on the request path: "+panicText(r))
	c.p.count("", "internal_error", metrics.Error)
	line := audit.Line{Decision: metrics.Error, Reason: "internal_error"}
	if c.req != nil {
		c.fillAudit(&line)
	}
	c.p.writeAudit(&line)
	if c.p.env.FailOpen() || c.replied {
		*action = types.ActionContinue
		return
	}
	c.replied = true
	_ = c.sendReply(500, nil, failureBody)
	*action = types.ActionPause
}

func (c *httpContext) OnHttpRequestHeaders(numHeaders int, endOfStream bool) (action types.Action) {
	defer c.guard(&action)
	if c.repliedBefore() {
		c.replied = true // an earlier filter answered (see repliedMarker)
		return types.ActionContinue
	}
	c.req = &c.request
	if c.p.headerFree {
		policy.InitRequest(c.req, nil, hostProperties{c.p.host}, c.p)
	} else {
		pairs, err := getRequestHeaders(c.sentStore)
		if err != nil {
			panic(err)
		}
		if c.p.producer {
			pairs = c.stripHandoffHeader(pairs)
		}
		c.sent, c.headersRead = pairs, true
		policy.InitRequest(c.req, pairs, hostProperties{c.p.host}, c.p)
	}
	c.req.SetPathOptions(c.p.env.Paths.Options())
	if c.headersRead {
		c.useRawPath()
	}
	c.bufferBody = c.p.body != nil && !endOfStream && c.p.body.WantsRequestBody(c.req)
	d, waiting := c.settle(c.p.policy.OnRequest(c.req))
	if waiting {
		return types.ActionPause // resumed by resume, from the callout's callback
	}
	if c.apply(d, requestHeaders, !c.bufferBody) {
		return types.ActionPause
	}
	if c.bufferBody && c.p.host.caps.RequestHeadersPause {
		return types.ActionPause // resumed by the body phase's decision
	}
	// ngx_wasm_module resumes a request paused here only after an HTTP callout: the headers
	// continue, and this host reads the whole body and runs the body phase before it builds the
	// upstream request, so the body decision and its header changes still come first.
	return types.ActionContinue
}

func (c *httpContext) OnHttpRequestBody(bodySize int, endOfStream bool) (action types.Action) {
	defer c.guard(&action)
	if c.waiting { // hold the body until the headers are decided (resume)
		c.bodySize, c.bodyEnded = bodySize, endOfStream
		return types.ActionPause
	}
	if !c.bufferBody || c.replied {
		return types.ActionContinue
	}
	if limit := c.p.body.RequestBodyLimit(c.req); bodySize > limit {
		c.bufferBody = false
		d := policy.Denied(413, "", "body_too_large", []byte("request body too large\n"))
		if c.apply(d, requestBody, true) {
			return types.ActionPause
		}
		return types.ActionContinue
	}
	if !endOfStream {
		c.bodySize = bodySize
		return types.ActionPause
	}
	return c.decideRequestBody(bodySize)
}

// OnHttpRequestTrailers ends a buffered body when the request carries trailers (gRPC, chunked
// with trailers): the body callback then never sees end of stream.
func (c *httpContext) OnHttpRequestTrailers(numTrailers int) (action types.Action) {
	defer c.guard(&action)
	if !c.bufferBody || c.replied {
		return types.ActionContinue
	}
	pairs, err := proxywasm.GetHttpRequestTrailers()
	if err != nil {
		panic(err)
	}
	c.req.Trailers = policy.NewResponse(pairs).Headers
	return c.decideRequestBody(c.bodySize)
}

// decideRequestBody runs the body phase on the complete buffered body. A body the host cannot
// hand over (nginx keeps a body larger than client_body_buffer_size in a temp file, which
// proxy-wasm cannot read) is refused with 413 and an error line saying so: never let through
// uninspected.
func (c *httpContext) decideRequestBody(bodySize int) types.Action {
	c.bufferBody = false
	body, err := readBody(requestBodyBuffer, bodySize)
	if err != nil && bodySize > 0 {
		c.p.host.Log(policy.LogError, "request body of "+strconv.Itoa(bodySize)+" bytes not readable ("+err.Error()+
			"); on nginx the body must fit client_body_buffer_size")
		d := policy.Denied(413, "", "body_unreadable", []byte("request body too large\n"))
		if c.apply(d, requestBody, true) {
			return types.ActionPause
		}
		return types.ActionContinue
	}
	c.req.Body = body
	if c.apply(c.p.body.OnRequestBody(c.req), requestBody, true) {
		return types.ActionPause
	}
	return types.ActionContinue
}

func (c *httpContext) OnHttpResponseHeaders(numHeaders int, endOfStream bool) (action types.Action) {
	// Before the guard: these reads cannot panic, and a deferred recover costs a large part of a
	// callback that does nothing (most streams of a request-only policy) in Go on Wasm.
	if c.replied || c.req == nil || (c.p.response == nil && c.p.respBody == nil) {
		return types.ActionContinue
	}
	defer c.guard(&action)
	if c.p.statusOnly { // one header, not the whole map (a missing :status reads as 0, as below)
		c.response.Status, c.response.Headers, c.response.Body = policy.StatusOf(getResponseStatus()), nil, nil
	} else {
		pairs, err := getResponseHeaders(c.p.responsePairs)
		if err != nil {
			panic(err)
		}
		policy.InitResponse(&c.response, pairs)
		c.p.responsePairs = pairs[:0] // only InitResponse reads them: one callback runs at a time
	}
	c.resp = &c.response
	if c.p.response != nil && c.apply(c.p.response.OnResponse(c.req, c.resp), responseHeaders, false) {
		return types.ActionPause
	}
	if c.p.respBody != nil && !endOfStream && c.p.respBody.WantsResponseBody(c.req, c.resp) {
		c.bufferResp = true
		// The body will change length: let the host re-frame it.
		removeHeader(responseHeaderMap, "content-length")
		if !c.p.host.caps.ResponseReplies {
			return types.ActionContinue // nginx ignores this pause; its body phase buffers
		}
		return types.ActionPause
	}
	return types.ActionContinue
}

func (c *httpContext) OnHttpResponseBody(bodySize int, endOfStream bool) (action types.Action) {
	if c.replacement == nil && (!c.bufferResp || c.replied) { // as in OnHttpResponseHeaders
		return types.ActionContinue
	}
	defer c.guard(&action)
	if c.replacement != nil {
		replaceBody(responseBodyBuffer, c.replacement)
		c.replacement = []byte{}
		return types.ActionContinue
	}
	if bodySize > c.p.respBody.ResponseBodyLimit() {
		c.bufferResp = false
		if c.apply(c.p.respBody.OverLimit(c.req, c.resp), responseBody, false) {
			return types.ActionPause
		}
		return types.ActionContinue
	}
	if !endOfStream && c.respPaused && c.p.host.caps.ResponseBodyPausesOnce {
		// The host's buffers are full and it will not buffer more: over the limit.
		c.bufferResp = false
		if c.apply(c.p.respBody.OverLimit(c.req, c.resp), responseBody, false) {
			return types.ActionPause
		}
		return types.ActionContinue
	}
	if !endOfStream {
		c.respSize, c.respPaused = bodySize, true
		return types.ActionPause
	}
	return c.decideResponseBody(bodySize)
}

// OnHttpResponseTrailers ends a buffered response body when the response carries trailers.
func (c *httpContext) OnHttpResponseTrailers(numTrailers int) (action types.Action) {
	defer c.guard(&action)
	if !c.bufferResp || c.replied {
		return types.ActionContinue
	}
	return c.decideResponseBody(c.respSize)
}

// decideResponseBody runs the response body phase on the complete buffered body.
func (c *httpContext) decideResponseBody(bodySize int) types.Action {
	c.bufferResp = false
	body, err := readBody(responseBodyBuffer, bodySize)
	if err != nil && bodySize > 0 {
		panic(err)
	}
	c.resp.Body = body
	if c.apply(c.p.respBody.OnResponseBody(c.req, c.resp), responseBody, false) {
		return types.ActionPause
	}
	return types.ActionContinue
}

func (c *httpContext) OnHttpStreamDone() {
	defer func() {
		if r := recover(); r != nil {
			c.p.host.Log(policy.LogError, "internal error at stream end: "+panicText(r))
		}
	}()
	c.p.streamDone()
	c.done = true // a callout answering later must not resume it (resume)
	streamEnded()
}

// readRequestHeaders gives a header-free policy's request (policy.HeaderFreeDecider), decided
// without them, the request's headers once something after the decision needs them: an audit
// line (method, path, request id, the principal), or request header edits (on nginx the
// duplicate check and the removals look at the headers as the host holds them). Every other
// stream read them before its policy ran, and the call returns at once. A host that does not
// answer leaves the fields empty: it runs in guard too, where it must not panic.
func (c *httpContext) readRequestHeaders() {
	if c.headersRead || c.req == nil {
		return
	}
	c.headersRead = true
	pairs, err := getRequestHeaders(c.sentStore)
	if err != nil {
		return
	}
	c.sent = pairs
	c.req.SetHeaderPairs(pairs)
	c.useRawPath()
}

// drop lets go of the ended stream's request and response, so that nothing of them outlives
// the stream in a context that is not reused (release), even where the host never deletes it
// (proxytest's native host keeps every context).
func (c *httpContext) drop() {
	c.req, c.resp, c.sent = nil, nil, nil
	c.request, c.response = policy.Request{}, policy.Response{}
}

// apply records and enforces a decision. It returns true when a local reply was sent and the
// stream must stop. Denies and labelled decisions are always counted, and denies and decisions
// asking for it always audited; a plain allow is counted (and audited when the config asks for
// allows) only when it is final: the request's last request-phase decision, so once per request.
func (c *httpContext) apply(d policy.Decision, ph phase, final bool) bool {
	if ph <= requestBody && (len(d.RemoveHeaders) > 0 || len(d.SetHeaders) > 0) {
		c.readRequestHeaders() // the edits' duplicate check and removals look at them
	}
	shadow := c.p.env.Shadow || d.Shadow
	if ph <= requestBody && (d.Verdict == policy.Allow || shadow) {
		if name := c.duplicateEdit(&d); name != "" {
			d, shadow = duplicateHeader(name), false // enforced in shadow mode too, as stripping is
		}
	}
	label := metrics.Allow
	if d.Verdict == policy.Deny {
		label = metrics.Deny
		if shadow {
			label = metrics.ShadowDeny
		}
	}
	if d.Verdict == policy.Deny || d.Rule != "" || d.Reason != "" || final {
		c.p.count(d.Rule, d.Reason, label)
	}
	if d.Verdict == policy.Deny || d.Audit || (final && c.p.env.Audit.Allows) {
		line := audit.Line{Decision: d.Verdict.String(), Shadow: shadow && d.Verdict == policy.Deny,
			Rule: metrics.Label(d.Rule), Reason: metrics.Label(d.Reason), Details: d.Details}
		if d.Verdict == policy.Deny {
			line.Status = replyStatus(d.Reply.Status)
		}
		c.fillAudit(&line)
		c.p.writeAudit(&line)
	}
	if d.Verdict == policy.Deny {
		if shadow { // only the deny is shadowed: spoofable headers are stripped all the same
			c.removeHeaders(d.RemoveHeaders, ph)
			return false
		}
		if ph >= responseHeaders && !c.p.host.caps.ResponseReplies {
			c.replaceResponse(d.Reply, ph)
			return false
		}
		c.replied = true
		if err := c.sendReply(replyStatus(d.Reply.Status), d.Reply.Headers, d.Reply.Body); err != nil {
			panic(err)
		}
		return true
	}
	c.mutate(&d, ph)
	return false
}

// replaceResponse enforces a response-phase deny where the host cannot send a local reply
// then (ngx_wasm_module: the response headers may be on their way, and a reply from the
// response phase hangs the client or traps). In the headers phase it asks for the reply's status
// and headers and drops the upstream's Content-Length; then the body is replaced: the chunk at
// hand (or the first to come) by the reply body, every later chunk by nothing. Whatever the
// host does with the status, the upstream body never reaches the client.
func (c *httpContext) replaceResponse(r policy.Reply, ph phase) {
	c.bufferResp = false
	body := r.Body
	if body == nil {
		body = []byte{}
	}
	if ph == responseHeaders {
		replaceHeader(responseHeaderMap, ":status", strconv.Itoa(replyStatus(r.Status)))
		removeHeader(responseHeaderMap, "content-length")
		for _, h := range r.Headers {
			replaceHeader(responseHeaderMap, h[0], h[1])
		}
		c.replacement = body
		return
	}
	replaceBody(responseBodyBuffer, body)
	c.replacement = []byte{}
}

func replyStatus(s int) int {
	if s < 200 || s > 599 {
		return 403
	}
	return s
}

// mutate applies an allowed decision's header, body and identity changes to the current phase.
func (c *httpContext) mutate(d *policy.Decision, ph phase) {
	request := ph == requestHeaders || ph == requestBody
	c.removeHeaders(d.RemoveHeaders, ph)
	for i := range d.SetHeaders { // by index: a [2]string copied is a host call in Go on Wasm
		h := &d.SetHeaders[i]
		if request {
			c.setRequestHeader(h[0], h[1])
		} else {
			replaceHeader(responseHeaderMap, h[0], h[1])
		}
	}
	if d.ReplaceBody != nil {
		switch ph {
		case requestBody:
			replaceBody(requestBodyBuffer, d.ReplaceBody)
			c.setRequestBodyLength(len(d.ReplaceBody))
		case responseBody:
			replaceBody(responseBodyBuffer, d.ReplaceBody)
		}
	}
	if d.Identity != nil && request {
		c.handOff(d.Identity)
	}
}

// removeHeaders removes the named headers of the current phase's message (request headers:
// see removeRequestHeader). In the response headers phase a header the response does not carry
// costs no host call: policies strip the same headers from every response (mask's hygiene), and
// the list was read in this callback, before any edit (removals come before sets). A response
// read for its status alone (Headers nil, StatusOnlyResponse) says nothing of its headers.
func (c *httpContext) removeHeaders(names []string, ph phase) {
	for _, name := range names {
		switch {
		case ph == requestHeaders || ph == requestBody:
			c.removeRequestHeader(name)
		case ph == responseHeaders && c.resp != nil && c.resp.Headers != nil && !carries(c.resp.Headers, name):
		default:
			removeHeader(responseHeaderMap, name)
		}
	}
}

// carries reports whether hs holds a header named name, in any case: by foldFilter, which
// rules most names out by their length alone (strings.EqualFold is a call per name in Go on
// Wasm, and a policy strips the same few names from every response).
func carries(hs policy.Headers, name string) bool {
	f := newFoldFilter(name)
	for i := range hs { // by index: a Header copied is a host call (memory.copy) on Wasm
		if f.equal(hs[i].Name) {
			return true
		}
	}
	return false
}

func (c *httpContext) fillAudit(line *audit.Line) {
	c.readRequestHeaders()
	line.RequestID = audit.Excerpt(c.req.ID(), 128)
	line.Route = audit.Excerpt(c.req.Route(), 128)
	line.Method = audit.Excerpt(c.req.Method, 16)
	line.Path = audit.Path(c.req.Path)
	if id := c.req.Identity(); id != nil {
		line.Principal = c.p.principal(id.Issuer, id.Subject)
	}
}
