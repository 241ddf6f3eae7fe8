package sanitize

import (
	"net/url"
	"strings"

	"github.com/wasmward/wasmward/shared/policy"
)

// sessionParams are the names web frameworks give their session identifier (lower case): a
// request that carries one in its query or form, coming from another site or from no page at
// all, sets the victim's session to one the attacker knows (session fixation, CRS 943110 and
// 943120). Frameworks read them from cookies; an application that takes one from the URL
// allow-lists the location (`allow: [{"rule":"session_fixation","location":"query.sid"}]`).
var sessionParams = map[string]bool{
	"jsessionid": true, "phpsessid": true, "phpsession": true, "aspsessionid": true,
	"asp.net_sessionid": true, "sessionid": true, "session-id": true, "session_id": true,
	"_session_id": true, "sid_token": true, "laravel_session": true, "connect.sid": true,
	"sails.sid": true, "_flask_session": true, "flask_session": true, "next-auth.session-token": true,
	"__secure-next-auth.session-token": true, "__host-next-auth.session-token": true,
	"meteor_login_token": true, "rack.session": true, "_rails_session": true, "play_session": true,
	"cakephp": true, "ci_session": true, "koa.sess": true, "koa:sess": true, "cfid": true,
	"cftoken": true, "cfsid": true, "zend_session_id": true, "shiny-token": true,
	"weblogicsession": true, "jservsession": true, "jwsession": true,
}

// sessionParamWords are sessionParams as a wordSet: most parameter names are rejected without
// hashing them (a parameter of every query and form field of a request without a Referer).
var sessionParamWords = func() *wordSet {
	kinds := map[string]wordKind{}
	for w := range sessionParams {
		kinds[w] = sessionParam
	}
	return newWordSet(kinds)
}()

// isSessionParam reports a parameter named like a session identifier (any case).
func isSessionParam(name string) bool { return sessionParamWords.kind(strings.ToLower(name)) != 0 }

// foreignReferer reports a request whose Referer is absent, unparsable or names a host other
// than the request's own (Host or :authority, port ignored).
func foreignReferer(req *policy.Request) bool {
	ref, ok := req.Header("referer")
	if !ok {
		return true
	}
	host, ok := refererHost(strings.TrimSpace(ref))
	if !ok {
		return true
	}
	own := req.Authority
	if h, _, found := strings.Cut(own, ":"); found && !strings.HasPrefix(own, "[") {
		own = h
	}
	return !strings.EqualFold(host, strings.Trim(own, "[]"))
}

// refererHost is the host name of the URL ref (url.URL.Hostname), ok false when url.Parse
// refuses ref or finds no host in it.
func refererHost(ref string) (string, bool) {
	if host, ok := plainURLHost(ref); ok {
		return host, true
	}
	u, err := url.Parse(ref)
	if err != nil || u.Host == "" {
		return "", false
	}
	return u.Hostname(), true
}

// plainURLHost reads the host of the usual Referer, "http(s)://host[:port][/path][?query][#fragment]"
// in printable ASCII, where url.Parse would find it and succeed: a host of letters, digits, '.'
// and '-', a port of digits, no '%' outside the query (url.Parse unescapes the path and the
// fragment, and refuses a malformed escape there). Anything else is left to url.Parse
// (TestPlainURLHost and FuzzRefererHost compare them): url.Parse's URL, its strings and its
// unescaping cost each request with a Referer about 3 µs in Go-on-Wasm, in each phase.
func plainURLHost(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "http://"); !ok {
			return "", false
		}
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return "", false
		}
	}
	beforeQuery, after := rest, ""
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		beforeQuery, after = rest[:i], rest[i:]
	}
	if _, fragment, found := strings.Cut(after, "#"); strings.IndexByte(beforeQuery, '%') >= 0 || found && strings.IndexByte(fragment, '%') >= 0 {
		return "", false
	}
	authority, _, _ := strings.Cut(beforeQuery, "/")
	host, port, _ := strings.Cut(authority, ":")
	if host == "" || !isNumber(port) && port != "" {
		return "", false
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; !isIdent(c) && c != '.' && c != '-' || c == '_' {
			return "", false
		}
	}
	return host, true
}
