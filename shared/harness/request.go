package harness

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/wasmward/wasmward/shared/identity"
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
	// HostReply is true when the host answered by itself, before the plugin saw the request
	// (HostProfile.DecodesPath: a path nginx refuses). Only the status is emulated.
	HostReply bool
}

// PathOnly returns the request's path without its query.
func (r *Request) PathOnly() string { return pathOnly(r.Path) }

func pathOnly(p string) string {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		return p[:i]
	}
	return p
}

// decodesPath reports whether the emulated host gives the plugin its own decoded URI.
func (h *Host) decodesPath() bool { return h.strict != nil && h.strict.profile.DecodesPath }

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
	// A property a filter sets lives for one request in a real host: reset the glue's replied
	// marker the last request may have left in the emulator (proxytest cannot unset a property).
	if err := h.emu.SetProperty([]string{"wasmx", "wasmward_replied"}, []byte("0")); err != nil {
		panic(err)
	}
	if req.Source != "" {
		src := req.Source
		if host, _, err := net.SplitHostPort(src); err == nil && h.strict != nil && h.strict.profile.AddressWithoutPort {
			src = host
		}
		h.setProperty("source/address", src)
	}
	for k, v := range req.Properties {
		h.setProperty(k, v)
	}
	req.Headers = h.handOffRefused(req)
	path, quoted := req.Path, false
	if h.decodesPath() {
		uri, ok := nginxURI(req.PathOnly())
		switch {
		case req.Method == "TRACE":
			return Result{Reply: Reply{Status: 405}, HostReply: true}
		case !ok:
			return Result{Reply: Reply{Status: 400}, HostReply: true}
		}
		h.setProperty("request/path", req.Path)
		path, quoted = uri+strings.TrimPrefix(req.Path, req.PathOnly()), strings.Contains(req.PathOnly(), "%")
	}
	authority := req.Authority
	if h.decodesPath() { // nginx: :authority is the server's name and port, Host the client's
		authority = nginxServerName
		if _, ok := lookup(req.Headers, "host"); !ok {
			req.Headers = append([][2]string{{"host", req.Authority}}, req.Headers...)
		}
	}
	headers := append([][2]string{
		{":method", req.Method}, {":path", path}, {":authority", authority}, {":scheme", "https"},
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
	if h.decodesPath() {
		if !strings.Contains(fwd.Path, "?") { // the host keeps the old query
			fwd.Path += strings.TrimPrefix(path, pathOnly(path))
		}
		fwd.Path = nginxForwarded(fwd.Path, quoted)
		for i, p := range fwd.Headers {
			if p[0] == ":path" {
				fwd.Headers[i][1] = fwd.Path
			}
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

// forwardedHeaders is what the upstream receives: the emulator's request headers, adjusted on a
// host that only marks what it removes (HostProfile.RemovedRequestHeadersForwarded): removed
// headers and every duplicate after the first of a replaced one reach the upstream with the
// client's values, and a header left empty is dropped only where the location re-sets it.
func (h *Host) forwardedHeaders(id uint32, sent [][2]string) [][2]string {
	out := h.emu.GetCurrentRequestHeaders(id)
	if h.strict == nil || !h.strict.profile.RemovedRequestHeadersForwarded {
		return out
	}
	st := h.strict.streamState()
	out = slices.DeleteFunc(out, func(p [2]string) bool {
		return p[1] == "" && !strings.HasPrefix(p[0], ":") && slices.Contains(h.resetHeaders, strings.ToLower(p[0]))
	})
	leak := func(name string, skip int) {
		for _, p := range sent {
			if strings.EqualFold(p[0], name) {
				if skip > 0 {
					skip--
					continue
				}
				out = append(out, p)
			}
		}
	}
	for _, name := range uniqueNames(st.removed) {
		leak(name, 0)
	}
	for _, name := range uniqueNames(st.replaced) {
		if !strings.HasPrefix(name, ":") && !slices.Contains(st.removed, name) {
			leak(name, 1)
		}
	}
	return out
}

func uniqueNames(names []string) []string {
	out := slices.Clone(names)
	slices.Sort(out)
	return slices.Compact(out)
}

func (h *Host) local(id uint32) (Result, bool) {
	lr := h.emu.GetSentLocalResponse(id)
	if lr == nil {
		return Result{}, false
	}
	body := string(lr.Data)
	if h.strict != nil && h.strict.profile.LocalReplyNewline && body != "" {
		body += "\n"
	}
	return Result{LocalReply: true, Reply: Reply{Status: int(lr.StatusCode), Headers: lr.Headers, Body: body}}, true
}

// handOffRefused returns req's headers with the identity an earlier filter handed off as the
// property identity.PropertyName delivered the way a host refusing that property carries it:
// as the signed header identity.HeaderName, signed with the VM's handoff key at the host clock
// and bound to the request's connection.id (what a producer filter in front does there). Without
// the key the identity is not delivered at all, as on such a host. The request's own headers
// come first, so a case can still send a spoofed copy alongside.
func (h *Host) handOffRefused(req Request) [][2]string {
	v, ok := req.Properties[identity.PropertyName]
	if !ok || !slices.Contains(h.refused, identity.PropertyName) || len(h.handoffKey) == 0 {
		return req.Headers
	}
	id, err := identity.Unmarshal([]byte(v))
	if err != nil { // a consumer would ignore it on the property too
		return req.Headers
	}
	binding, _ := h.emu.GetProperty([]string{"connection", "id"})
	signed, err := identity.Sign(id, h.handoffKey, h.now, string(binding))
	if err != nil {
		panic(fmt.Errorf("harness: signing the handed-off identity: %w", err))
	}
	return append(slices.Clone(req.Headers), [2]string{identity.HeaderName, signed})
}

func (h *Host) setProperty(key, value string) {
	if slices.Contains(h.absent, key) || slices.Contains(h.refused, key) {
		return
	}
	if h.strict != nil && h.strict.profile.Nginx { // nginx's own variables for where it listens
		switch key {
		case "destination/port":
			key = "ngx/server_port"
		case "destination/address":
			key = "ngx/server_addr"
		}
	}
	if err := h.emu.SetProperty(strings.Split(key, "/"), []byte(value)); err != nil {
		panic(err)
	}
}
