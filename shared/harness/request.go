package harness

import (
	"slices"
	"strconv"
	"strings"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

// Request is one request sent through the plugin, and the upstream's reply if it gets through.
// The JSON form is what policy test case files use.
type Request struct {
	Method    string      `json:"method,omitempty"`    // default GET
	Path      string      `json:"path,omitempty"`      // default /
	Authority string      `json:"authority,omitempty"` // default example.com
	Headers   [][2]string `json:"headers,omitempty"`
	Body      string      `json:"body,omitempty"`
	// Trailers, when set, follow the body (which then does not end the stream).
	Trailers [][2]string `json:"trailers,omitempty"`
	// Source is the downstream address property (source.address), e.g. "203.0.113.7:5555".
	Source string `json:"source,omitempty"`
	// Properties sets host properties; keys are path segments joined by "/".
	Properties map[string]string `json:"properties,omitempty"`
	// Upstream is the reply the upstream gives if the request reaches it (default 200, no body).
	Upstream *Reply `json:"upstream,omitempty"`
}

// Reply is an HTTP reply: the upstream's, or the one the client finally sees.
type Reply struct {
	Status  int         `json:"status,omitempty"`
	Headers [][2]string `json:"headers,omitempty"`
	Body    string      `json:"body,omitempty"`
	// Trailers, when set on an upstream reply, follow its body.
	Trailers [][2]string `json:"trailers,omitempty"`
}

// Result is what happened to a request.
type Result struct {
	// Reply is what the client receives: the plugin's local reply, or the upstream's reply after
	// the plugin's response phase.
	Reply Reply
	// LocalReply is true when the plugin answered instead of the upstream.
	LocalReply bool
	// Forwarded is the request as the upstream received it (after mutations); nil if blocked.
	Forwarded *Request
	// Hung is true when the host would hold the request forever (HostProfile.HeadersPauseHangs).
	Hung bool
}

// Header returns the first value of a reply header (case-insensitive).
func (r Reply) Header(name string) (string, bool) { return lookup(r.Headers, name) }

// Header returns the first value of a forwarded request header (case-insensitive).
func (r *Request) Header(name string) (string, bool) { return lookup(r.Headers, name) }

func lookup(hs [][2]string, name string) (string, bool) {
	for _, h := range hs {
		if strings.EqualFold(h[0], name) {
			return h[1], true
		}
	}
	return "", false
}

// Do sends req through the plugin's request and response phases.
func (h *Host) Do(req Request) Result {
	if req.Method == "" {
		req.Method = "GET"
	}
	if req.Path == "" {
		req.Path = "/"
	}
	if req.Authority == "" {
		req.Authority = "example.com"
	}
	if req.Source != "" {
		h.setProperty("source/address", req.Source)
	}
	for k, v := range req.Properties {
		h.setProperty(k, v)
	}
	headers := append([][2]string{
		{":method", req.Method}, {":path", req.Path}, {":authority", req.Authority}, {":scheme", "https"},
	}, req.Headers...)

	if h.strict != nil {
		h.strict.beginStream()
	}
	id := h.emu.InitializeHttpContext()
	defer h.emu.CompleteHttpContext(id)
	hasBody, hasTrailers := req.Body != "", len(req.Trailers) > 0
	action := h.emu.CallOnRequestHeaders(id, headers, !hasBody && !hasTrailers)
	if res, done := h.local(id); done {
		return res
	}
	if action == types.ActionPause && h.hangsOnHeadersPause() {
		return Result{Reply: Reply{Status: 0}, Hung: true}
	}
	if hasBody {
		action = h.emu.CallOnRequestBody(id, []byte(req.Body), !hasTrailers)
		if res, done := h.local(id); done {
			return res
		}
	}
	if hasTrailers {
		action = h.emu.CallOnRequestTrailers(id, req.Trailers)
		if res, done := h.local(id); done {
			return res
		}
	}
	if action != types.ActionContinue {
		// The plugin paused without replying: a real host would hold the request.
		return Result{Reply: Reply{Status: 0}}
	}
	fwd := &Request{Headers: h.forwardedHeaders(id, req.Headers), Body: string(h.emu.GetCurrentRequestBody(id))}
	for _, p := range fwd.Headers {
		switch p[0] {
		case ":method":
			fwd.Method = p[1]
		case ":path":
			fwd.Path = p[1]
		case ":authority":
			fwd.Authority = p[1]
		}
	}

	up := Reply{Status: 200}
	if req.Upstream != nil {
		up = *req.Upstream
		if up.Status == 0 {
			up.Status = 200
		}
	}
	respHeaders := append([][2]string{{":status", strconv.Itoa(up.Status)}}, up.Headers...)
	upTrailers := len(up.Trailers) > 0
	h.emu.CallOnResponseHeaders(id, respHeaders, up.Body == "" && !upTrailers)
	if res, done := h.local(id); done {
		res.Forwarded = fwd
		return res
	}
	if up.Body != "" {
		h.emu.CallOnResponseBody(id, []byte(up.Body), !upTrailers)
		if res, done := h.local(id); done {
			res.Forwarded = fwd
			return res
		}
	}
	if upTrailers {
		h.emu.CallOnResponseTrailers(id, up.Trailers)
		if res, done := h.local(id); done {
			res.Forwarded = fwd
			return res
		}
	}
	out := Reply{Status: up.Status, Body: string(h.emu.GetCurrentResponseBody(id))}
	for _, p := range h.emu.GetCurrentResponseHeaders(id) {
		if p[0] != ":status" {
			out.Headers = append(out.Headers, p)
		} else if s, err := strconv.Atoi(p[1]); err == nil {
			out.Status = s // the plugin may have replaced it
		}
	}
	return Result{Reply: out, Forwarded: fwd}
}

// hangsOnHeadersPause reports whether the emulated host holds a request the plugin paused in its
// headers phase: one that only an HTTP callout resumes, when the plugin dispatched none. It
// records the violation.
func (h *Host) hangsOnHeadersPause() bool {
	if h.strict == nil || !h.strict.profile.HeadersPauseHangs || h.strict.streamState().callouts > 0 {
		return false
	}
	h.strict.violate("proxy_on_request_headers paused without an HTTP callout: " + h.strict.profile.Name + " holds the request forever")
	return true
}

// forwardedHeaders is what the upstream receives: the emulator's request headers, plus, on a
// host that forwards removed request headers (HostProfile.RemovedRequestHeadersForwarded), the
// client's values of every removed header the location does not re-set.
func (h *Host) forwardedHeaders(id uint32, sent [][2]string) [][2]string {
	out := h.emu.GetCurrentRequestHeaders(id)
	if h.strict == nil || !h.strict.profile.RemovedRequestHeadersForwarded {
		return out
	}
	for _, name := range slices.Compact(h.strict.streamState().removed) {
		if slices.Contains(h.resetHeaders, name) {
			continue
		}
		for _, p := range sent {
			if strings.EqualFold(p[0], name) {
				out = append(out, p)
			}
		}
	}
	return out
}

func (h *Host) local(id uint32) (Result, bool) {
	lr := h.emu.GetSentLocalResponse(id)
	if lr == nil {
		return Result{}, false
	}
	return Result{LocalReply: true, Reply: Reply{Status: int(lr.StatusCode), Headers: lr.Headers, Body: string(lr.Data)}}, true
}

func (h *Host) setProperty(key, value string) {
	if slices.Contains(h.absent, key) {
		return
	}
	if err := h.emu.SetProperty(strings.Split(key, "/"), []byte(value)); err != nil {
		panic(err)
	}
}
