package sanitize

import (
	"strconv"
	"strings"

	"github.com/wasmward/wasmward/shared/policy"
)

// OnRequest checks the protocol limits and inspects path segments, query parameters, cookies
// and the configured headers. A path that does not normalize (the envelope's paths settings)
// is refused with 400 unless the inspection already denied it for a more telling reason.
func (p *Policy) OnRequest(req *policy.Request) policy.Decision {
	d := p.inspectRequest(req)
	if _, err := req.NormalizedPath(); err != nil && (d.Verdict != policy.Deny || d.Shadow) {
		return policy.PathRejected(err)
	}
	return d
}

// inspectRequest is OnRequest's inspection of the request headers phase.
func (p *Policy) inspectRequest(req *policy.Request) policy.Decision {
	s := newScan(p.route(req), p.norm, p.clean)
	defer s.release()
	s.foreignReferer = foreignReferer(req)
	s.checkLimits(req)
	if p.path {
		s.inspectPath(req.PathOnly())
	}
	query := splitPairs(req.Query(), '&', false)
	for i, q := range query {
		s.field("query", encQuery, q.name, q.value, target{kind: inQuery, index: i})
	}
	var cookies []pair
	if p.cookies {
		for _, h := range req.Headers.Values("cookie") {
			cookies = append(cookies, splitPairs(h, ';', true)...)
		}
		for i, c := range cookies {
			loc := "cookie." + c.name
			s.value(c.name, encURL, loc, "name", target{})
			s.value(c.value, encURL, loc, "value", target{kind: inCookie, index: i})
		}
	}
	for _, h := range req.Headers {
		t := target{kind: inHeader, name: h.Name}
		hn := p.headerNames.get(h.Name)
		if !contains(p.headers, h.Name) {
			if !p.allHeaders || hn.skip {
				continue
			}
			t = target{} // removing it would need the proxy to know it (ProxyNeeds): reject
		}
		s.headerValue(h.Value, hn, t)
		if hn.urlQuery != "" {
			s.inspectURLQuery(h.Value, hn.urlQuery, t)
		}
	}
	if s.count == 0 {
		return policy.Allowed()
	}
	return s.decide(func(d *policy.Decision, drop []target) {
		sanitizeHeaders(d, req, query, cookies, drop)
	})
}

// skipHeader reports a header "*" does not inspect: credentials (Authorization,
// Proxy-Authorization, and any name secretNames flags: X-Api-Key, X-Auth-Token, X-Session-Id,
// X-Hub-Signature), whose random values would only be false positives and must never reach an
// audit line; Cookie, inspected cookie by cookie; Content-Length, checked by the limits; and
// the Sec-CH-UA brand lists every Chromium browser sends, whose deliberately random "GREASE"
// brands ("Not/A)Brand";v="8") hold quotes, parentheses and semicolons.
func skipHeader(name string) bool {
	return name == "content-length" || name == "proxy-authorization" || secretNames.in(name) ||
		strings.HasPrefix(name, "sec-ch-ua")
}

// urlQueryHeaders are the headers naming a URL whose query parameters are inspected, and the
// locations' prefix.
var urlQueryHeaders = map[string]string{"referer": "header.referer|query", "origin": "header.origin|query"}

// inspectURLQuery inspects the query parameters of the URL a header names (Referer, Origin) as
// fields at "<prefix>.<name>" ("header.referer|query.q"), decoded like the request's own query:
// a payload the client's page sent in its own query string arrives percent-encoded inside the
// header, where the header's inspection reads it as sent. Their findings act on the header (t).
// The fragment is not part of the query. The items are walked in place (no slice of pairs: most
// Referers hold one or two parameters).
func (s *scan) inspectURLQuery(raw, prefix string, t target) {
	_, q, ok := strings.Cut(raw, "?")
	if !ok {
		return
	}
	q, _, _ = strings.Cut(q, "#")
	for q != "" {
		var item string
		item, q, _ = strings.Cut(q, "&")
		if item != "" {
			name, value, _ := strings.Cut(item, "=")
			s.field(prefix, encQuery, name, value, t)
		}
	}
}

// inspectPath checks the path's encoding and each segment. Segments are reported as
// "path[<index>]" (zero-based, after the leading '/'); a traversal across segments ("/a/%2e%2e/")
// is caught on the whole decoded path, and so is a hidden file or directory (a segment starting
// with '.', other than ".well-known": .git, .env, editor and agent settings). SQL injection is
// also looked for in the whole decoded path of more than one segment (plainPath skips most):
// a payload whose spaces are '/' ("/*x*/and/**/2=0") is split into harmless segments, which
// CRS, reading the whole path, does not do. A path found clean before is not walked again
// (cleancache.go).
func (s *scan) inspectPath(path string) {
	// A path found clean before (cleancache.go) costs a look-up and its charge to the budget.
	keep := s.clean.keeps("path", path, "value")
	if keep {
		if charge, ok := s.clean.charged(s.r, "path", path, "value"); ok && !s.exhausted && s.budget >= charge {
			s.budget -= charge
			return
		}
	}
	count, budget := s.count, s.budget
	s.walkPath(path)
	if keep && s.count == count {
		s.clean.add(s.r, "path", path, "value", budget-s.budget)
	}
}

// walkPath is inspectPath's walk: each segment, then the whole path.
func (s *scan) walkPath(path string) {
	seg := 0
	for rest := strings.TrimPrefix(path, "/"); ; seg++ {
		part, tail, more := strings.Cut(rest, "/")
		loc := pathLoc(seg)
		s.value(part, encURL, loc, "value", target{})
		if len(part) > 1 && part[0] == '.' && part != ".." && part != ".well-known" && !s.r.allowed(RuleTraversal, loc) {
			s.add(finding{rule: RuleTraversal, loc: loc})
		}
		if !more {
			break
		}
		rest = tail
	}
	traversal, sqli := !s.r.allowed(RuleTraversal, "path"), seg > 0 && !s.r.allowed(RuleSQLi, "path")
	if !traversal && !sqli || !s.spend(len(path), "path") {
		return
	}
	decoded, _ := percentDecode(path, false)
	decoded, _ = cleanBytes(decoded)
	v := normalized{text: decoded, folded: lower(decoded)}
	v.bytes, v.words = bytesOf(v.folded), gateMatcher.groups(v.folded)
	if traversal && traversalNeeds.passes(s.r, &v, "path") && isTraversal(v.folded) {
		s.add(finding{rule: RuleTraversal, loc: "path"})
	}
	if sqli && !plainPath(&v.bytes) {
		// Normalized as a segment is (every decoding round, NFKC); its encoding problems were
		// the segments' findings already.
		w, _ := s.n.normalize(path, encURL)
		w.words = gateMatcher.groups(w.folded)
		if ok, detail := s.r.detectSQLi(w); ok {
			s.add(finding{rule: RuleSQLi, loc: "path", part: "value", excerpt: excerpt(path, "path"), detail: detail})
		}
	}
}

// plainPathBytes are the bytes of an ordinary path: letters, digits and "_/.-~".
var plainPathBytes = bytesOf(wordChars + "/.-~")

// plainPath reports a path of plainPathBytes and non-ASCII bytes only (words of any language
// between slashes): without an operator, quote, comment, space or parenthesis, what its
// segments do not hold (inspected one by one) it does not hold whole either, so the whole-path
// SQL injection check skips it. Most paths are plain: the check costs them nothing.
func plainPath(b *byteSet) bool {
	return b[0]&^plainPathBytes[0] == 0 && b[1]&^plainPathBytes[1] == 0
}

// traversalNeeds is the gate of the path_traversal detector, for the whole path.
var traversalNeeds = func() *needs {
	for _, d := range detectors {
		if d.rule == RuleTraversal {
			return d.needs
		}
	}
	return nil
}()

// pathLocs are the locations of the first path segments, built once.
var pathLocs = func() (locs [16]string) {
	for i := range locs {
		locs[i] = "path[" + strconv.Itoa(i) + "]"
	}
	return locs
}()

// pathLoc is the location of path segment i: "path[<i>]".
func pathLoc(i int) string {
	if i < len(pathLocs) {
		return pathLocs[i]
	}
	return "path[" + strconv.Itoa(i) + "]"
}

// sanitizeHeaders applies header-phase sanitize targets: query parameters are dropped from
// ":path", cookies from the Cookie header, inspected headers removed.
func sanitizeHeaders(d *policy.Decision, req *policy.Request, query, cookies []pair, drop []target) {
	dropQuery, dropCookie := map[int]bool{}, map[int]bool{}
	for _, t := range drop {
		switch t.kind {
		case inQuery:
			dropQuery[t.index] = true
		case inCookie:
			dropCookie[t.index] = true
		case inHeader:
			if !contains(d.RemoveHeaders, t.name) {
				d.RemoveHeaders = append(d.RemoveHeaders, t.name)
			}
		}
	}
	if len(dropQuery) > 0 {
		path := req.PathOnly()
		if q := joinPairs(query, dropQuery, "&"); q != "" {
			path += "?" + q
		}
		d.SetHeaders = append(d.SetHeaders, [2]string{":path", path})
	}
	if len(dropCookie) > 0 {
		if c := joinPairs(cookies, dropCookie, "; "); c != "" {
			d.SetHeaders = append(d.SetHeaders, [2]string{"cookie", c})
		} else {
			d.RemoveHeaders = append(d.RemoveHeaders, "cookie")
		}
	}
}
