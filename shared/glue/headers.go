package glue

import (
	"strconv"
	"strings"

	"github.com/wasmward/wasmward/shared/identity"
	"github.com/wasmward/wasmward/shared/policy"
)

// Request header edits, per host.
//
// Envoy removes a request header outright. ngx_wasm_module only marks a removed entry (its hash
// set to 0), and nginx's proxy_pass sends marked entries upstream all the same, with their old
// values; a replace updates the first entry and marks every later duplicate, which then reaches
// the upstream too (measured, e2e/nginx). So on nginx:
//   - a removal is a replace by an empty value, which the location's
//     `proxy_set_header <name> $http_<name>;` drops (generated configs re-set every header a
//     policy edits: policy.ProxyNeeds);
//   - a header that must change but came more than once is refused with 400 (reason
//     duplicate_header): its copies would reach the upstream whatever the plugin does;
//   - a :path without a query string gets an empty one ("?"): the module keeps the old query
//     otherwise;
//   - after a body replace Content-Length is set to the new length (the module sizes the body by
//     it; a removed entry would be sent upstream with the old length);
//   - :path is nginx's URI, already percent-decoded and normalized, and :authority the server's
//     name, so policies see the raw request target and the Host header instead (useRawPath), as
//     on Envoy, and a :path a policy sets keeps nginx's URI with the policy's query (policies
//     rewrite only queries).

// useRawPath gives the policy the request target and authority as the client sent them where
// the host's pseudo-headers are its own (nginx: :path is r->uri, decoded; the raw target is the
// property request.path, $request_uri; :authority is the server's name and port, the client's
// is its Host header). A client's %2F or %2e%2e must reach path normalization
// (shared/pathnorm) as sent, a legitimate %20 must not turn into a raw space the normalizer
// refuses, and host rules must see the host the client asked for.
//
// ngx_wasm_module has the property (see nginxLacks), so it is read without hostProperties.
func (c *httpContext) useRawPath() {
	if !c.p.host.caps.DecodesPath {
		return
	}
	if raw, ok := getProperty(requestPathProperty); ok && len(raw) > 0 && string(raw) != c.req.Path {
		c.hostPath, c.req.Path = c.req.Path, string(raw)
	}
	if host, ok := c.req.Headers.Get("host"); ok {
		c.req.Authority = host
	}
}

// requestPathProperty is the raw request target's property.
var requestPathProperty = newPropertyPath("request", "path")

// removeRequestHeader removes name from the request headers. A header the request does not
// carry costs no host call: policies strip the headers they own on every request (jwtauthn's
// claim headers), and most requests carry none of them. On Envoy that holds while this stream
// set no request header (a header set here is not in sent); on nginx a removal is a replace,
// which would add an absent header, so an absent one is never touched there.
func (c *httpContext) removeRequestHeader(name string) {
	absent := c.sent != nil && c.sentCount(name) == 0
	if !c.p.host.caps.MarksRemovedHeaders {
		if !absent || c.setHeaders {
			removeHeader(requestHeaderMap, name)
		}
		return
	}
	if absent {
		return
	}
	replaceHeader(requestHeaderMap, name, "")
}

// setRequestHeader replaces (or adds) a request header.
func (c *httpContext) setRequestHeader(name, value string) {
	if name == ":path" && c.p.host.caps.DecodesPath {
		_, query, _ := strings.Cut(value, "?")
		path := value
		if c.hostPath != "" {
			path = c.hostPath
		}
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		value = path + "?" + query
	}
	c.setHeaders = true
	replaceHeader(requestHeaderMap, name, value)
}

// setRequestBodyLength follows a request body replace.
func (c *httpContext) setRequestBodyLength(n int) {
	c.setHeaders = true
	if c.p.host.caps.MarksRemovedHeaders {
		replaceHeader(requestHeaderMap, "content-length", strconv.Itoa(n))
		return
	}
	removeHeader(requestHeaderMap, "content-length")
}

// duplicateEdit returns a header d would edit in the request phase that came more than once,
// on a host where its copies would reach the upstream (see above), or "".
func (c *httpContext) duplicateEdit(d *policy.Decision) string {
	if !c.p.host.caps.MarksRemovedHeaders || c.req == nil {
		return ""
	}
	if c.handoffCopies > 1 {
		return identity.HeaderName
	}
	for _, name := range d.RemoveHeaders {
		if c.sentCount(name) > 1 {
			return name
		}
	}
	for i := range d.SetHeaders { // by index, as in sentCount
		if name := d.SetHeaders[i][0]; !strings.HasPrefix(name, ":") && c.sentCount(name) > 1 {
			return name
		}
	}
	return ""
}

// sentCount counts the request headers named name (any case) as the host holds them. The first
// call of a stream indexes the names (nameIndex); a name the index rules out is answered 0
// without a scan: policies edit and strip the same few names on every request (jwtauthn's claim
// headers, on nginx each twice: duplicateEdit, then the edit), and most requests carry none of
// them. The others are counted by a scan of the list.
func (c *httpContext) sentCount(name string) int {
	if !c.sentNames.known {
		c.sentNames = indexNames(c.sent)
	}
	f := newFoldFilter(name)
	if f.ascii && c.sentNames.ascii && c.sentNames.sigs&nameSig(name) == 0 {
		return 0
	}
	return f.count(c.sent, c.sentNames.ascii)
}

// duplicateHeader is the reply to a request whose header must change but came more than once.
func duplicateHeader(name string) policy.Decision {
	d := policy.Denied(400, "", "duplicate_header", []byte("bad request: repeated header\n"))
	d.Details = map[string]string{"header": strings.ToLower(name)}
	return d
}
