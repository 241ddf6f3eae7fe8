package sanitize

import (
	"mime"
	"strconv"
	"strings"

	"github.com/wasmward/wasmward/shared/policy"
)

// checkLimits records the protocol findings of the request headers on route r: method,
// header count and sizes, CR/LF in values, path and query length, declared body size and
// content type.
func (s *scan) checkLimits(req *policy.Request) {
	l := s.r.limits
	if len(l.Methods) > 0 && !contains(l.Methods, req.Method) {
		s.limit(RuleMethod, "method")
	}
	if len(req.Headers) > l.MaxHeaders {
		s.limit(RuleHeaderCount, "headers")
	}
	for _, h := range req.Headers {
		if len(h.Name) > l.MaxHeaderNameBytes || len(h.Value) > l.MaxHeaderValueBytes {
			s.limit(RuleHeaderSize, "header."+h.Name)
		}
		if strings.ContainsAny(h.Value, "\r\n") {
			s.limit(RuleHeaderCRLF, "header."+h.Name)
		}
		if strings.IndexByte(h.Value, 0) >= 0 {
			s.limit(RuleNulByte, "header."+h.Name)
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
	if len(s.r.contentTypes) > 0 && hasBody(req) {
		if mt := mediaType(req); !contains(s.r.contentTypes, mt) {
			s.limit(RuleContentType, "header.content-type")
		}
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

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
