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
//
// One pass over the headers (headerChecks) runs every per-header check and notes the headers the
// other checks look for by name; only when a header has a finding are the headers walked again,
// check by check, to record the findings in their order. In Go-on-Wasm each walk and each lookup
// by name is a loop of string comparisons, on every request.
func (s *scan) checkLimits(req *policy.Request) {
	l := &s.r.limits
	hc := checkHeaders(req, l)
	s.checkMethod(req.Method, "method")
	if hc.override {
		for _, h := range req.Headers {
			if contains(methodOverrideHeaders, h.Name) {
				s.checkMethod(strings.ToUpper(strings.TrimSpace(h.Value)), "header."+h.Name)
			}
		}
	}
	if p := req.Protocol(); p != "" && !contains(knownProtocols, p) {
		s.limit(RuleProtocol, "protocol")
	}
	if len(req.Headers) > l.MaxHeaders {
		s.limit(RuleHeaderCount, "headers")
	}
	if hc.malformed {
		for _, h := range req.Headers {
			if !headerSized(h, l) {
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
	}
	if len(req.PathOnly()) > l.MaxPathBytes {
		s.limit(RulePathLength, "path")
	}
	if len(req.Query()) > l.MaxQueryBytes {
		s.limit(RuleQueryLength, "query")
	}
	if hc.body.hasLength {
		if n, err := strconv.ParseInt(strings.TrimSpace(hc.body.contentLength), 10, 64); err == nil && n > int64(l.MaxBodyBytes) {
			s.limit(RuleBodySize, "body")
		}
	}
	if hc.invalid {
		s.checkHeaderValues(req)
	}
	s.checkHost(req)
	if hc.body.announced() {
		if !hc.body.hasType {
			s.limit(RuleContentTypeMissing, "header.content-type")
		} else if len(s.r.contentTypes) > 0 && !contains(s.r.contentTypes, mediaType(hc.body.contentType)) {
			s.limit(RuleContentType, "header.content-type")
		}
	}
}

// headerChecks is what one pass over the request headers found (checkHeaders).
type headerChecks struct {
	// override is set when a method override header is present, malformed when a header is too
	// large or holds CR, LF or NUL, invalid when one is denied or fails validHeaderValue.
	override, malformed, invalid bool
	body                         bodyHeaders
}

// checkHeaders runs the per-header checks of checkLimits on every header of req, in one pass.
func checkHeaders(req *policy.Request, l *Limits) (hc headerChecks) {
	for _, h := range req.Headers {
		hc.body.note(h.Name, h.Value)
		hc.override = hc.override || contains(methodOverrideHeaders, h.Name)
		if crlf, nul := breaksAndNUL(h.Value); crlf || nul || !headerSized(h, l) {
			hc.malformed = true
		}
		if contains(l.DeniedHeaders, h.Name) || !validHeaderValue(h.Name, h.Value, req.Method, l.MaxRanges) {
			hc.invalid = true
		}
	}
	return hc
}

// headerSized reports a header within limits.maxHeaderNameBytes and maxHeaderValueBytes.
func headerSized(h policy.Header, l *Limits) bool {
	return len(h.Name) <= l.MaxHeaderNameBytes && len(h.Value) <= l.MaxHeaderValueBytes
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

// bodyHeaders are the headers that announce a body, as the first of each name says it (what
// policy.Headers.Get returns).
type bodyHeaders struct {
	contentLength, contentType    string
	hasLength, hasType, hasChunks bool
}

// note takes in one request header.
func (b *bodyHeaders) note(name, value string) {
	switch {
	case name == "content-length" && !b.hasLength:
		b.contentLength, b.hasLength = value, true
	case name == "content-type" && !b.hasType:
		b.contentType, b.hasType = value, true
	case name == "transfer-encoding":
		b.hasChunks = true
	}
}

// announced reports whether the headers announce a body.
func (b *bodyHeaders) announced() bool {
	if b.hasLength {
		return strings.TrimSpace(b.contentLength) != "0"
	}
	return b.hasChunks || b.hasType
}

// hasBody reports whether the request headers announce a body.
func hasBody(req *policy.Request) bool {
	var b bodyHeaders
	for _, h := range req.Headers {
		b.note(h.Name, h.Value)
	}
	return b.announced()
}

// mediaType is the media type of a Content-Type value in lower case without parameters, "" if
// unparsable.
func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return mt
}

// breaksAndNUL reports a CR or LF, and a NUL byte, in v: one pass over the value where
// strings.ContainsAny and strings.IndexByte would take two (header values are long: tokens,
// cookies). Eight bytes at a time are first asked whether any of them is below 0x0e (the
// "has a byte less than n" bit trick, exact for that question): header values hold none, and
// only a group that does is looked at byte by byte.
func breaksAndNUL(v string) (crlf, nul bool) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(v); i += 8 {
		x := uint64(v[i]) | uint64(v[i+1])<<8 | uint64(v[i+2])<<16 | uint64(v[i+3])<<24 |
			uint64(v[i+4])<<32 | uint64(v[i+5])<<40 | uint64(v[i+6])<<48 | uint64(v[i+7])<<56
		if (x-0x0e*ones)&^x&highs != 0 {
			c, n := lowBytes(v[i : i+8])
			crlf, nul = crlf || c, nul || n
		}
	}
	c, n := lowBytes(v[i:])
	return crlf || c, nul || n
}

// lowBytes is breaksAndNUL byte by byte, with one comparison for most bytes.
func lowBytes(v string) (crlf, nul bool) {
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
