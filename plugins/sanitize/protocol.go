package sanitize

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/wasmward/wasmward/shared/pathnorm"
	"github.com/wasmward/wasmward/shared/policy"
)

// Header-value checks of the request headers phase (CRS 920 protocol enforcement). Each looks at
// one header the proxy passes on, is linear in its value and runs only when the header is there.
// On by default, because no browser or mainstream API client sends what they refuse:
//
//   - header_denied: a header of limits.deniedHeaders (default: Proxy, whose value CGI programs
//     read as HTTP_PROXY, "httpoxy"; and Request-Range, Netscape's obsolete twin of Range used
//     to slip byte ranges past range limits);
//   - header_invalid: a Content-Type that is not "type/subtype" followed by name=value
//     parameters, that repeats a parameter ("charset=utf-8; charset=utf-7") or whose charset is
//     not UTF-8, ASCII or Latin-1 (allowedCharset: "ibm037" hides the body from every detector);
//     an Accept asking for a response in such a charset; a Connection that repeats a token or
//     says both close and keep-alive; a bytes Range whose range is malformed or ends before it
//     starts, or that asks for more than limits.maxRanges ranges (overlapping ranges amplify a
//     response: CVE-2011-3192); Content-Encoding or Content-Range on a GET or HEAD (no body to
//     describe); WebDAV's If or Lock-Token on GET, HEAD, POST or OPTIONS; an Accept-Encoding
//     longer than maxAcceptEncoding.
//
// Off by default, because ordinary traffic may do it (limits.requireHostName): header_invalid at
// header.host, a Host (:authority) that is an IP address (scanners and worms address servers by
// IP; health checks and local clients do too).
//
// A body without a Content-Type is content_type_missing (limits.go; checkBodyType below).

// maxAcceptEncoding bounds Accept-Encoding: browsers send about 30 bytes ("gzip, deflate, br,
// zstd"); hundreds are a parser stress test.
const maxAcceptEncoding = 100

// checkHeaderValues records the header_denied and header_invalid findings above of the request
// headers.
func (s *scan) checkHeaderValues(req *policy.Request) {
	l := &s.r.limits
	for _, h := range req.Headers {
		if contains(l.DeniedHeaders, h.Name) {
			s.limit(RuleHeaderDenied, "header."+h.Name)
			continue
		}
		if !validHeaderValue(h.Name, h.Value, req.Method, l.MaxRanges) {
			s.limit(RuleHeaderInvalid, "header."+h.Name)
		}
	}
}

// checkHost records header_invalid at header.host for an IP address under
// limits.requireHostName.
func (s *scan) checkHost(req *policy.Request) {
	if l := &s.r.limits; l.RequireHostName != nil && *l.RequireHostName && isIPHost(req.Authority) {
		s.limit(RuleHeaderInvalid, "header.host")
	}
}

// validHeaderValue reports whether a request header's value passes the header_invalid checks
// above for a request of method; headers without a check pass.
func validHeaderValue(name, value, method string, maxRanges int) bool {
	switch name {
	case "content-type":
		return validContentType(value)
	case "accept":
		return acceptCharsetsAllowed(value)
	case "connection":
		return validConnection(value)
	case "range":
		return validRange(value, maxRanges)
	case "content-encoding", "content-range":
		// They describe a body: a GET or HEAD has none to describe.
		return method != "GET" && method != "HEAD"
	case "if", "lock-token":
		// WebDAV preconditions and lock tokens go with PUT, DELETE, LOCK, UNLOCK, MOVE, COPY…
		return method != "GET" && method != "HEAD" && method != "POST" && method != "OPTIONS"
	case "accept-encoding":
		return len(value) <= maxAcceptEncoding
	case "cookie":
		// RFC 2109 attributes ("$Version=1; session=\"a; b=c\""): servers that still parse
		// them read quoted values spanning several cookies; no browser sends them.
		return !strings.Contains(lower(value), "$version")
	}
	return true
}

// checkBodyType records content_type_missing for an untyped body the headers did not announce
// (HTTP/2 or 3 without content-length): the header phase (checkLimits) could not see it.
func (s *scan) checkBodyType(req *policy.Request) {
	if _, typed := req.Headers.Get("content-type"); !typed && len(req.Body) > 0 && !hasBody(req) {
		s.limit(RuleContentTypeMissing, "header.content-type")
	}
}

// isIPHost reports an authority whose host is an IPv4 or IPv6 literal ("127.0.0.1:8080",
// "[::1]").
func isIPHost(authority string) bool {
	h := pathnorm.Host(authority)
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	_, err := netip.ParseAddr(h)
	return err == nil
}

// isTokenChar reports an RFC 9110 tchar.
func isTokenChar(c byte) bool {
	return isIdent(c) || strings.IndexByte("!#$%&'*+-.^`|~", c) >= 0
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

// cutMediaParam cuts "type/subtype; a=b; c=\"d;e\"" at its first semicolon outside quoted
// strings: the text before it, the text after it, and whether there was one. It is hand-written
// rather than mime.ParseMediaType, which refuses values every server accepts (a boundary
// "----=_Part_1" unquoted) and accepts what no client sends (a parameter without '='); it walks
// the value in place, without a slice of its parts (an allocation per request in Go-on-Wasm).
func cutMediaParam(v string) (before, after string, found bool) {
	quoted := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == ';' && !quoted:
			return v[:i], v[i+1:], true
		}
	}
	return v, "", false
}

// validContentType reports a Content-Type of the form type/subtype followed by parameters, each
// a token, '=' and a value that is a quoted string or has no white space or control character,
// no parameter twice and a charset parameter allowedCharset accepts.
func validContentType(v string) bool {
	mt, rest, more := cutMediaParam(v)
	typ, sub, ok := strings.Cut(strings.TrimSpace(mt), "/")
	if !ok || !isToken(typ) || !isToken(sub) {
		return false
	}
	var seenNames [4]string // most types have a parameter or two: no allocation
	seen := seenNames[:0]
	for more {
		var p string
		p, rest, more = cutMediaParam(rest)
		p = strings.TrimLeft(p, " \t")
		if strings.TrimSpace(p) == "" {
			continue // "text/plain;" and "a=b; ;c=d" are sloppy, not hostile
		}
		name, val, ok := strings.Cut(p, "=")
		name = lower(strings.TrimRight(name, " \t"))
		if !ok && name == "charset" {
			continue // "; charset": what a client writes when its charset setting is empty
		}
		if !ok || !isToken(name) || contains(seen, name) || !paramValue(strings.TrimRight(val, " \t")) {
			return false
		}
		if name == "charset" && !allowedCharset(val) || (name == "boundary" || name == "charset") && looksLikeMediaType(val) {
			return false
		}
		seen = append(seen, name)
	}
	return true
}

// looksLikeMediaType reports a parameter value that is a media type ("boundary=\"application/json\""):
// a second content type for a parser that looks for one anywhere in the header.
func looksLikeMediaType(v string) bool {
	typ, _, ok := strings.Cut(lower(strings.Trim(strings.TrimSpace(v), `"`)), "/")
	switch typ {
	case "application", "text", "multipart", "image", "audio", "video", "message", "font", "model":
		return ok
	}
	return false
}

// paramValue reports a parameter value: a quoted string, or text without white space, control
// characters or quotes ("boundary=  x" is one parsers read differently).
func paramValue(v string) bool {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return true
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c == '"' || c == 0x7f {
			return false
		}
	}
	return v != ""
}

// acceptCharsetsAllowed reports an Accept header none of whose media ranges asks for a charset
// allowedCharset refuses ("text/html; charset=CP1026": a response in EBCDIC passes outbound
// filters unread).
func acceptCharsetsAllowed(v string) bool {
	if !strings.Contains(lower(v), "charset") {
		return true
	}
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }) {
		name, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && lower(strings.TrimSpace(name)) == "charset" && !allowedCharset(val) {
			return false
		}
	}
	return true
}

// validConnection reports a Connection header without a repeated option and without both close
// and keep-alive: a request that may be read as persistent by one hop and not by the next.
func validConnection(v string) bool {
	if strings.IndexByte(v, ',') < 0 {
		return true
	}
	var seen []string
	for _, t := range strings.Split(lower(v), ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if contains(seen, t) || t == "close" && contains(seen, "keep-alive") || t == "keep-alive" && contains(seen, "close") {
			return false
		}
		seen = append(seen, t)
	}
	return true
}

// validRange reports a Range header that is not in bytes (other units, "items=0-24", are the
// application's), or a bytes range set of at most maxRanges well-formed ranges ("a-b" with
// a <= b, "a-", "-n").
func validRange(v string, maxRanges int) bool {
	set, ok := strings.CutPrefix(lower(strings.TrimSpace(v)), "bytes=")
	if !ok {
		return true
	}
	n := 0
	for _, r := range strings.Split(set, ",") {
		if n++; n > maxRanges {
			return false
		}
		first, last, ok := strings.Cut(strings.TrimSpace(r), "-")
		if !ok || first == "" && last == "" {
			return false
		}
		a, errA := strconv.ParseUint(first, 10, 63)
		b, errB := strconv.ParseUint(last, 10, 63)
		if first != "" && errA != nil || last != "" && errB != nil || first != "" && last != "" && b < a {
			return false
		}
	}
	return true
}
