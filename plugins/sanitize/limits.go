package sanitize

import (
	"mime"
	"strconv"
	"strings"

	"github.com/wasmward/wasmward/shared/policy"
)

// checkLimits records the protocol findings of the request headers on route r: method and
// method override headers, protocol, header count and sizes, CR/LF in values, path and query
// length, declared body size, denied and malformed headers (protocol.go) and content type.
func (s *scan) checkLimits(req *policy.Request) {
	l := s.r.limits
	s.checkMethod(req.Method, "method")
	for _, h := range req.Headers {
		if contains(methodOverrideHeaders, h.Name) {
			s.checkMethod(strings.ToUpper(strings.TrimSpace(h.Value)), "header."+h.Name)
		}
	}
	if p := req.Protocol(); p != "" && !contains(knownProtocols, p) {
		s.limit(RuleProtocol, "protocol")
	}
	if len(req.Headers) > l.MaxHeaders {
		s.limit(RuleHeaderCount, "headers")
	}
	for _, h := range req.Headers {
		if len(h.Name) > l.MaxHeaderNameBytes || len(h.Value) > l.MaxHeaderValueBytes {
			s.limit(RuleHeaderSize, "header."+h.Name)
		}
		if crlf, nul := breaksAndNUL(h.Value); crlf || nul {
			if crlf {
				s.limit(RuleHeaderCRLF, "header."+h.Name)
			}
			if nul {
				s.limit(RuleNulByte, "header."+h.Name)
			}
		}
	}
	if len(req.PathOnly()) > l.MaxPathBytes {
		s.limit(RulePathLength, "path")
	}
	if len(req.Query()) > l.MaxQueryBytes {
		s.limit(RuleQueryLength, "query")
	}
	if cl, ok := req.Headers.Get("content-length"); ok {
		if n, err := strconv.ParseInt(strings.TrimSpace(cl), 10, 64); err == nil && n > int64(l.MaxBodyBytes) {
			s.limit(RuleBodySize, "body")
		}
	}
	s.checkHeaderValues(req)
	if hasBody(req) {
		if _, typed := req.Headers.Get("content-type"); !typed {
			s.limit(RuleContentTypeMissing, "header.content-type")
		} else if len(s.r.contentTypes) > 0 && !contains(s.r.contentTypes, mediaType(req)) {
			s.limit(RuleContentType, "header.content-type")
		}
	}
}

// usualMethods are the methods of web and API traffic. Any other method (TRACE and TRACK echo
// the request, CONNECT opens tunnels, DEBUG is IIS's, WebDAV's PROPFIND and friends, made-up
// and lower-case ones used to slip past method-based rules) is method_unusual unless
// limits.methods lists it.
var usualMethods = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}

// methodOverrideHeaders make frameworks (Rails, Laravel, Express method-override, ASP.NET)
// handle a POST as the method they name: their value is checked like the method.
var methodOverrideHeaders = []string{"x-http-method-override", "x-http-method", "x-method-override"}

// methodOverrideParam is the query parameter or form field that Rails, Laravel, Symfony and
// Express method-override read as the method of a POST: its value is checked like the method
// ("_method=TRACE" is method_unusual, "_method=DELETE" is not).
const methodOverrideParam = "_method"

// knownProtocols are the request protocols as Envoy and nginx name them. HTTP/0.9 (no headers
// at all) and made-up versions are protocol findings; an absent property is none.
var knownProtocols = []string{"HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/2.0", "HTTP/3", "HTTP/3.0"}

// checkMethod records a method (at loc: "method" or an override header) that limits.methods
// does not allow (method), or, without limits.methods, one that is not an HTTP token or not a
// usual method (method_unusual).
func (s *scan) checkMethod(m, loc string) {
	switch allowed := s.r.limits.Methods; {
	case len(allowed) > 0:
		if !contains(allowed, m) {
			s.limit(RuleMethod, loc)
		}
	case !contains(usualMethods, m):
		s.limit(RuleMethodUnusual, loc)
	}
}

// hasBody reports whether the request headers announce a body.
func hasBody(req *policy.Request) bool {
	if cl, ok := req.Headers.Get("content-length"); ok {
		return strings.TrimSpace(cl) != "0"
	}
	if _, ok := req.Headers.Get("transfer-encoding"); ok {
		return true
	}
	_, ok := req.Headers.Get("content-type")
	return ok
}

// mediaType is the request's media type in lower case without parameters, "" if absent or
// unparsable.
func mediaType(req *policy.Request) string {
	ct, ok := req.Headers.Get("content-type")
	if !ok {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return mt
}

// breaksAndNUL reports a CR or LF, and a NUL byte, in v: one pass over the value where
// strings.ContainsAny and strings.IndexByte would take two (header values are long: tokens,
// cookies), with one comparison for most bytes.
func breaksAndNUL(v string) (crlf, nul bool) {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= '\r' {
			crlf = crlf || c == '\r' || c == '\n'
			nul = nul || c == 0
		}
	}
	return crlf, nul
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
