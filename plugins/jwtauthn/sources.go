package jwtauthn

import (
	"errors"
	"net/url"
	"strings"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

// errMultipleTokens: a provider's sources hold two different tokens (RFC 6750 §2: a client
// uses one method per request). Which one the upstream would read is unknowable, so neither is.
var errMultipleTokens = errors.New("the request carries more than one distinct token")

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

// extract returns the token in the request's sources: every occurrence of every source is read
// (each value of a repeated header, each query parameter and cookie of the name). The same token
// in several places is one token; two different ones are errMultipleTokens. "" when none.
// headers are the request's headers that any source reads (tokenSources.pick), in order.
func extract(req *policy.Request, headers []policy.Header, sources []source) (string, error) {
	if len(sources) == 1 && len(headers) == 1 && sources[0].header != "" && headers[0].Name == sources[0].header {
		return sources[0].headerToken(headers[0].Value), nil // one source, one header: the usual request
	}
	return extractAll(req, headers, sources)
}

// extractAll is extract without its shortcut.
func extractAll(req *policy.Request, headers []policy.Header, sources []source) (string, error) {
	var f tokenFinder
	for i := range sources {
		sources[i].find(req, headers, &f)
	}
	if f.err != nil {
		return "", f.err
	}
	return f.tok, nil
}

// tokenFinder collects the tokens extract finds.
type tokenFinder struct {
	tok string
	err error
}

// add notes the token of one occurrence ("" for an occurrence holding none).
func (f *tokenFinder) add(t string) {
	switch {
	case t == "" || t == f.tok:
	case f.tok == "":
		f.tok = t
	default:
		f.err = errMultipleTokens
	}
}

// find adds to f the token of every occurrence of s in req ("" for an occurrence holding
// none, such as a header value without the prefix), reading headers (see extract) for the
// request's headers. It runs on every request: no closures.
func (s *source) find(req *policy.Request, headers []policy.Header, f *tokenFinder) {
	switch {
	case s.header != "":
		for i := range headers {
			if h := &headers[i]; h.Name == s.header {
				f.add(s.headerToken(h.Value))
			}
		}
	case s.query != "":
		q := req.Query()
		if q == "" { // no parameters: no part can be named s.query (never "")
			return
		}
		for part := range strings.SplitSeq(q, "&") {
			if name, val, _ := strings.Cut(part, "="); queryName(name) == s.query {
				f.add(unescape(val))
			}
		}
	default:
		for i := range headers {
			if h := &headers[i]; h.Name == "cookie" {
				for part := range strings.SplitSeq(h.Value, ";") {
					if name, val := cookiePair(part); name == s.cookie {
						f.add(val)
					}
				}
			}
		}
	}
}

// headerToken is the token of a header value: after the prefix (matched case-insensitively),
// trimmed; "" when the value lacks the prefix.
func (s *source) headerToken(v string) string {
	if len(v) <= len(s.prefix) || !strings.EqualFold(v[:len(s.prefix)], s.prefix) {
		return ""
	}
	return strings.TrimSpace(v[len(s.prefix):])
}

// queryName is a parameter name as an application decodes it ("access%5Ftoken" is
// "access_token").
func queryName(name string) string { return unescape(name) }

// unescape decodes a query component; an undecodable one is kept as is.
func unescape(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// cookiePair splits one "name=value" cookie of a Cookie header; a value in double quotes
// (RFC 6265 §4.1.1) is unquoted.
func cookiePair(part string) (name, val string) {
	name, val, _ = strings.Cut(strings.TrimSpace(part), "=")
	name, val = strings.TrimSpace(name), strings.TrimSpace(val)
	if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
		val = val[1 : len(val)-1]
	}
	return name, val
}

// tokenSources is every place any provider reads tokens from, grouped by kind, so that tokens
// a request carries but no requirement verified are removed before it is forwarded.
type tokenSources struct {
	headers []source // one per (header, prefix)
	query   []string // parameter names
	cookies []string // cookie names
	names   []string // every header name read: the header sources' and "cookie" for cookies
	lens    uint64   // bit min(len(name), 63) set for each of names
	// sharedName: two header sources read one header, or a header source reads the Cookie
	// header that cookie sources read (see oneHolder).
	sharedName bool
}

func (ts *tokenSources) add(srcs []source) {
	for _, s := range srcs {
		switch {
		case s.header != "":
			if !containsSource(ts.headers, s) {
				ts.sharedName = ts.sharedName || headerDone(ts.headers, s.header) || s.header == "cookie" && len(ts.cookies) > 0
				ts.headers = append(ts.headers, s)
			}
			ts.addName(s.header)
		case s.query != "":
			if !containsString(ts.query, s.query) {
				ts.query = append(ts.query, s.query)
			}
		default:
			if !containsString(ts.cookies, s.cookie) {
				ts.sharedName = ts.sharedName || headerDone(ts.headers, "cookie")
				ts.cookies = append(ts.cookies, s.cookie)
			}
			ts.addName("cookie")
		}
	}
}

func (ts *tokenSources) addName(name string) {
	if !containsString(ts.names, name) {
		ts.names = append(ts.names, name)
		ts.lens |= 1 << min(len(name), 63)
	}
}

// pick appends to buf the headers of hs that a source reads, in order: the only ones extract
// and strip look at, so that each of their passes is over these few (usually one) instead of
// every header. Most names are ruled out by their length alone.
func (ts *tokenSources) pick(hs policy.Headers, buf []policy.Header) []policy.Header {
	for i := range hs {
		if h := &hs[i]; ts.lens&(1<<min(len(h.Name), 63)) != 0 && containsString(ts.names, h.Name) {
			buf = append(buf, *h)
		}
	}
	return buf
}

func containsSource(list []source, s source) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// strip adds to d the edits that remove every token not in verified from the request: a
// header holding one is removed (and set back to its first verified value, unless d already
// removes that header, as removeAuthorization does), the query parameters and cookies holding
// one are dropped from :path and the Cookie header. Occurrences of verified tokens stay.
// headers are the request's headers that a source reads (pick).
func (ts *tokenSources) strip(req *policy.Request, headers []policy.Header, verified []string, d *policy.Decision) {
	if len(verified) > 0 && ts.oneHolder(req, headers) {
		return // the verified token is the only one (the usual "Authorization: Bearer" request)
	}
	ts.stripAll(req, headers, verified, d)
}

// stripAll is strip without its shortcut: every source looked at.
func (ts *tokenSources) stripAll(req *policy.Request, headers []policy.Header, verified []string, d *policy.Decision) {
	for i := range ts.headers {
		s := &ts.headers[i]
		if headerDone(ts.headers[:i], s.header) {
			continue
		}
		dirty, keep := false, ""
		for j := range headers {
			h := &headers[j]
			if h.Name != s.header {
				continue
			}
			var tok string
			for k := i; k < len(ts.headers); k++ {
				if hs := &ts.headers[k]; hs.header == s.header {
					if tok = hs.headerToken(h.Value); tok != "" {
						break
					}
				}
			}
			switch {
			case tok != "" && containsString(verified, tok):
				if keep == "" {
					keep = h.Value
				}
			case tok != "":
				dirty = true
			}
		}
		if dirty && !containsString(d.RemoveHeaders, s.header) {
			d.RemoveHeaders = append(d.RemoveHeaders[:len(d.RemoveHeaders):len(d.RemoveHeaders)], s.header)
			if keep != "" {
				d.SetHeaders = append(d.SetHeaders[:len(d.SetHeaders):len(d.SetHeaders)], [2]string{s.header, keep})
			}
		}
	}
	if len(ts.query) > 0 {
		stripQuery(req, ts.query, verified, d)
	}
	if len(ts.cookies) > 0 {
		stripCookies(headers, ts.cookies, verified, d)
	}
}

// oneHolder reports whether the request has at most one place that can hold a token: no query
// string where query sources are configured, and at most one header a source reads, which one
// source reads (sharedName false) and which is not a Cookie header holding cookie sources. A
// token verified then came from that header and is the only one: strip has nothing to remove,
// and skips parsing the header again (a few percent of a warm request in Go on Wasm).
func (ts *tokenSources) oneHolder(req *policy.Request, headers []policy.Header) bool {
	switch {
	case len(headers) > 1, len(ts.query) > 0 && req.Query() != "":
		return false
	case len(headers) == 0:
		return true
	}
	return !ts.sharedName && (len(ts.cookies) == 0 || headers[0].Name != "cookie")
}

// headerDone reports whether name was handled by an earlier source of the same header.
func headerDone(earlier []source, name string) bool {
	for i := range earlier { // by index: a source copied is a host call (memory.copy) on Wasm
		if earlier[i].header == name {
			return true
		}
	}
	return false
}

func stripQuery(req *policy.Request, names, verified []string, d *policy.Decision) {
	q := req.Query()
	if q == "" {
		return
	}
	var kept []string
	dirty := false
	for part := range strings.SplitSeq(q, "&") {
		name, val, _ := strings.Cut(part, "=")
		if containsString(names, queryName(name)) && !containsString(verified, unescape(val)) {
			dirty = true
			continue
		}
		kept = append(kept, part)
	}
	if !dirty {
		return
	}
	path := req.PathOnly()
	if len(kept) > 0 {
		path += "?" + strings.Join(kept, "&")
	}
	d.SetHeaders = append(d.SetHeaders[:len(d.SetHeaders):len(d.SetHeaders)], [2]string{":path", path})
}

func stripCookies(headers []policy.Header, names, verified []string, d *policy.Decision) {
	var kept []string
	dirty := false
	for i := range headers {
		h := &headers[i]
		if h.Name != "cookie" {
			continue
		}
		for part := range strings.SplitSeq(h.Value, ";") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			if name, val := cookiePair(part); containsString(names, name) && !containsString(verified, val) {
				dirty = true
				continue
			}
			kept = append(kept, strings.TrimSpace(part))
		}
	}
	if !dirty {
		return
	}
	d.RemoveHeaders = append(d.RemoveHeaders[:len(d.RemoveHeaders):len(d.RemoveHeaders)], "cookie")
	if len(kept) > 0 {
		d.SetHeaders = append(d.SetHeaders[:len(d.SetHeaders):len(d.SetHeaders)], [2]string{"cookie", strings.Join(kept, "; ")})
	}
}
