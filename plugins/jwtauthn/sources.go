package jwtauthn

import (
	"net/url"
	"strings"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

// source is a compiled SourceSpec.
type source struct {
	header, prefix, query, cookie string
}

// defaultSources: "Authorization: Bearer <token>" (RFC 6750 §2.1).
var defaultSources = []source{{header: "authorization", prefix: "Bearer "}}

func compileSources(es *config.Errors, path string, specs []SourceSpec) []source {
	if len(specs) == 0 {
		return defaultSources
	}
	out := make([]source, 0, len(specs))
	for i, s := range specs {
		sp := config.Index(path, i)
		n := 0
		for _, v := range []string{s.Header, s.Query, s.Cookie} {
			if v != "" {
				n++
			}
		}
		if n != 1 {
			es.Add(sp, "needs exactly one of header, query, cookie")
			continue
		}
		if s.Prefix != "" && s.Header == "" {
			es.Add(config.JoinPath(sp, "prefix"), "applies to header sources only")
		}
		if s.Header != "" && strings.ToLower(s.Header) != s.Header {
			es.Add(config.JoinPath(sp, "header"), "must be lower case")
		}
		out = append(out, source{header: s.Header, prefix: s.Prefix, query: s.Query, cookie: s.Cookie})
	}
	return out
}

// extract returns the first token found in the request's sources, or "".
func extract(req *policy.Request, sources []source) string {
	for _, s := range sources {
		if tok := s.find(req); tok != "" {
			return tok
		}
	}
	return ""
}

func (s source) find(req *policy.Request) string {
	switch {
	case s.header != "":
		v, ok := req.Headers.Get(s.header)
		if !ok || len(v) <= len(s.prefix) || !strings.EqualFold(v[:len(s.prefix)], s.prefix) {
			return ""
		}
		return strings.TrimSpace(v[len(s.prefix):])
	case s.query != "":
		for part := range strings.SplitSeq(req.Query(), "&") {
			name, val, _ := strings.Cut(part, "=")
			if name == s.query {
				if tok, err := url.QueryUnescape(val); err == nil {
					return tok
				}
				return ""
			}
		}
	default:
		for _, h := range req.Headers.Values("cookie") {
			for part := range strings.SplitSeq(h, ";") {
				name, val, _ := strings.Cut(strings.TrimSpace(part), "=")
				if name == s.cookie {
					return val
				}
			}
		}
	}
	return ""
}
