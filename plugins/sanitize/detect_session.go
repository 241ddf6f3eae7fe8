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

// isSessionParam reports a parameter named like a session identifier (any case).
func isSessionParam(name string) bool { return sessionParams[strings.ToLower(name)] }

// foreignReferer reports a request whose Referer is absent, unparsable or names a host other
// than the request's own (Host or :authority, port ignored).
func foreignReferer(req *policy.Request) bool {
	ref, ok := req.Header("referer")
	if !ok {
		return true
	}
	u, err := url.Parse(strings.TrimSpace(ref))
	if err != nil || u.Host == "" {
		return true
	}
	own := req.Authority
	if h, _, found := strings.Cut(own, ":"); found && !strings.HasPrefix(own, "[") {
		own = h
	}
	return !strings.EqualFold(u.Hostname(), strings.Trim(own, "[]"))
}
