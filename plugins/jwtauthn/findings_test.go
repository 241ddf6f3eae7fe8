package jwtauthn

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/metrics"
)

// Tests named after the findings of the security review (issue 16). Each runs its cases through
// the glue natively, in wasm and in the strict host (harness.RunCases), attacks and benign
// controls side by side.

// finding8Config: provider "corp" reads the Authorization header, the access_token query
// parameter and the "at" cookie; provider "partner" reads x-partner-token and the partner_token
// query parameter. /relaxed lets a missing or failed token through; /public needs none.
func finding8Config() []byte {
	return envelope(fmt.Sprintf(`{
	  "providers": [
	    {"id": "corp", "issuer": %q, "audiences": [%q], "algorithms": ["EdDSA"], "jwks": %s,
	     "sources": [{"header": "authorization", "prefix": "Bearer "}, {"query": "access_token"}, {"cookie": "at"}],
	     "claimHeaders": [{"claim": "sub", "header": "x-user"}]},
	    {"id": "partner", "issuer": "https://partner.example", "audiences": [%q], "algorithms": ["EdDSA"], "jwks": %s,
	     "sources": [{"header": "x-partner-token"}, {"query": "partner_token"}]}
	  ],
	  "rules": [
	    {"id": "public", "match": {"path": {"prefix": "/public"}}},
	    {"id": "relaxed", "match": {"path": {"prefix": "/relaxed"}}, "requires": {"provider": "corp", "allowMissingOrFailed": true}},
	    {"id": "either", "match": {"path": {"prefix": "/either"}}, "requires": {"anyOf": [{"provider": "corp"}, {"provider": "partner"}]}},
	    {"id": "api", "match": {"path": {"prefix": "/"}}, "requires": {"provider": "corp"}}
	  ]}`, testIssuer, testAudience, jwksOf(keyFor("EdDSA")), testAudience, jwksOf(keyFor("EdDSA"))))
}

func TestFinding8_AllTokenSourcesChecked(t *testing.T) {
	ed := keyFor("EdDSA")
	good := ed.token(caseClaims())
	other := ed.token(caseClaims("sub", "mallory")) // valid too, but another token
	forged := tamper(good, 1, b64.EncodeToString([]byte(`{"sub":"root"}`)))
	partnerTok := ed.token(caseClaims("iss", "https://partner.example"))
	bearer := func(tok string) [2]string { return [2]string{"authorization", "Bearer " + tok} }
	invalidRequest := map[string]string{"www-authenticate": `Bearer error="invalid_request", error_description="The request is malformed."`}
	deny := func(name string, req harness.Request) harness.Case {
		return harness.Case{Name: name, Request: req, Want: harness.Expect{Status: 401, Headers: invalidRequest,
			BodyExcludes: []string{good, forged, other}}}
	}
	cases := []harness.Case{
		// Attacks: a second, different token in another configured source (or the same one).
		deny("second authorization header with another token", harness.Request{Path: "/orders", Headers: [][2]string{bearer(good), bearer(forged)}}),
		deny("second authorization header, lower-case scheme", harness.Request{Path: "/orders", Headers: [][2]string{bearer(good), {"authorization", "bearer " + other}}}),
		deny("access_token query parameter with another token", harness.Request{Path: "/orders?access_token=" + forged, Headers: [][2]string{bearer(good)}}),
		deny("percent-encoded parameter name", harness.Request{Path: "/orders?access%5Ftoken=" + forged, Headers: [][2]string{bearer(good)}}),
		deny("repeated query parameter", harness.Request{Path: "/orders?access_token=" + good + "&access_token=" + forged}),
		deny("cookie with another token", harness.Request{Path: "/orders", Headers: [][2]string{bearer(good), {"cookie", "a=1; at=" + forged}}}),
		deny("quoted cookie in a second cookie header", harness.Request{Path: "/orders", Headers: [][2]string{bearer(good), {"cookie", "a=1"}, {"cookie", `at="` + other + `"`}}}),
		deny("valid token in the query, forged one in the header", harness.Request{Path: "/orders?access_token=" + good, Headers: [][2]string{bearer(forged)}}),
		{Name: "another provider's token is stripped from the query", Request: harness.Request{Path: "/orders?x=1&partner_token=" + forged + "&y=2", Headers: [][2]string{bearer(good)}},
			Want: harness.Expect{Status: 200, Forwarded: map[string]string{":path": "/orders?x=1&y=2", "x-user": "alice", "authorization": "Bearer " + good}}},
		{Name: "another provider's token is stripped from its header", Request: harness.Request{Path: "/orders", Headers: [][2]string{bearer(good), {"x-partner-token", forged}}},
			Want: harness.Expect{Status: 200, ForwardedAbsent: []string{"x-partner-token"}, Forwarded: map[string]string{"x-user": "alice"}}},
		{Name: "anyOf: the unverified alternative is stripped", Request: harness.Request{Path: "/either?partner_token=" + forged, Headers: [][2]string{bearer(good)}},
			Want: harness.Expect{Status: 200, Forwarded: map[string]string{":path": "/either"}}},
		{Name: "failed token let through by allowMissingOrFailed is stripped", Request: harness.Request{Path: "/relaxed?access_token=" + forged + "&q=1", Headers: [][2]string{{"cookie", "at=" + forged + "; theme=dark"}}},
			Want: harness.Expect{Status: 200, Forwarded: map[string]string{":path": "/relaxed?q=1", "cookie": "theme=dark"}, ForwardedAbsent: []string{"x-user"}}},
		{Name: "failed bearer token let through by allowMissingOrFailed is stripped", Request: harness.Request{Path: "/relaxed", Headers: [][2]string{bearer(forged)}},
			Want: harness.Expect{Status: 200, ForwardedAbsent: []string{"authorization", "x-user"}}},

		// Benign controls.
		{Name: "control: one bearer token, nothing else that can hold one", Request: harness.Request{Path: "/orders", Headers: [][2]string{bearer(good), {"accept", "application/json"}}},
			Want: harness.Expect{Status: 200, Forwarded: map[string]string{":path": "/orders", "authorization": "Bearer " + good, "x-user": "alice"}}},
		{Name: "control: one bearer token", Request: harness.Request{Path: "/orders?page=2", Headers: [][2]string{bearer(good), {"cookie", "theme=dark"}}},
			Want: harness.Expect{Status: 200, Forwarded: map[string]string{":path": "/orders?page=2", "cookie": "theme=dark", "authorization": "Bearer " + good, "x-user": "alice"}}},
		{Name: "control: the same token in header, query and cookie", Request: harness.Request{Path: "/orders?access_token=" + good, Headers: [][2]string{bearer(good), {"cookie", "at=" + good}}},
			Want: harness.Expect{Status: 200, Forwarded: map[string]string{":path": "/orders?access_token=" + good, "cookie": "at=" + good, "authorization": "Bearer " + good}}},
		{Name: "control: the same token in two authorization headers", Request: harness.Request{Path: "/orders", Headers: [][2]string{bearer(good), bearer(good)}},
			Want: harness.Expect{Status: 200, Forwarded: map[string]string{"x-user": "alice"}}},
		{Name: "control: token in the query only", Request: harness.Request{Path: "/orders?access_token=" + good},
			Want: harness.Expect{Status: 200, Forwarded: map[string]string{"x-user": "alice"}}},
		{Name: "control: token in a cookie only", Request: harness.Request{Path: "/orders", Headers: [][2]string{{"cookie", "at=" + good + "; a=b"}}},
			Want: harness.Expect{Status: 200, Forwarded: map[string]string{"x-user": "alice", "cookie": "at=" + good + "; a=b"}}},
		{Name: "control: basic credentials next to a query token are no second token", Request: harness.Request{Path: "/orders?access_token=" + good, Headers: [][2]string{{"authorization", "Basic dXNlcjpwYXNz"}}},
			Want: harness.Expect{Status: 200}},
		{Name: "control: the partner's own token verified by anyOf", Request: harness.Request{Path: "/either", Headers: [][2]string{{"x-partner-token", partnerTok}}},
			Want: harness.Expect{Status: 200, Forwarded: map[string]string{"x-partner-token": partnerTok}}},
		{Name: "control: no token", Request: harness.Request{Path: "/orders"},
			Want: harness.Expect{Status: 401, Headers: map[string]string{"www-authenticate": "Bearer"}}},
		{Name: "control: relaxed rule without a token", Request: harness.Request{Path: "/relaxed?q=1"},
			Want: harness.Expect{Status: 200, Forwarded: map[string]string{":path": "/relaxed?q=1"}}},
	}
	harness.RunCases(t, Definition, finding8Config(), cases)
}

// TestFinding8_RemoveAuthorizationWins: a dirty Authorization header is not put back when the
// provider removes Authorization after verification.
func TestFinding8_RemoveAuthorizationWins(t *testing.T) {
	ed := keyFor("EdDSA")
	good := ed.token(caseClaims())
	cfg := strings.Replace(string(finding8Config()), `"claimHeaders": [{"claim": "sub", "header": "x-user"}]}`,
		`"claimHeaders": [{"claim": "sub", "header": "x-user"}], "removeAuthorization": true}`, 1)
	harness.RunCases(t, Definition, []byte(cfg), []harness.Case{
		{Name: "verified query token, basic credentials and removeAuthorization", Request: harness.Request{Path: "/orders?access_token=" + good,
			Headers: [][2]string{{"authorization", "Basic dXNlcjpwYXNz"}}},
			Want: harness.Expect{Status: 200, ForwardedAbsent: []string{"authorization"}}},
		{Name: "verified bearer token removed", Request: harness.Request{Path: "/orders", Headers: [][2]string{{"authorization", "Bearer " + good}, {"x-partner-token", "zzz"}}},
			Want: harness.Expect{Status: 200, ForwardedAbsent: []string{"authorization", "x-partner-token"}}},
	})
}

// finding13Config has provider "corp" with the default typ list and "strict" accepting only
// RFC 9068 access tokens.
func finding13Config() []byte {
	return envelope(fmt.Sprintf(`{
	  "providers": [
	    {"id": "corp", "issuer": %q, "audiences": [%q], "algorithms": ["EdDSA"], "jwks": %s},
	    {"id": "strict", "issuer": %q, "audiences": [%q], "algorithms": ["EdDSA"], "jwks": %s,
	     "sources": [{"header": "x-at"}], "typ": ["at+jwt"]}
	  ],
	  "rules": [
	    {"id": "strict", "match": {"path": {"prefix": "/strict"}}, "requires": {"provider": "strict"}},
	    {"id": "api", "match": {"path": {"prefix": "/"}}, "requires": {"provider": "corp"}}
	  ]}`, testIssuer, testAudience, jwksOf(keyFor("EdDSA")), testIssuer, testAudience, jwksOf(keyFor("EdDSA"))))
}

// typed signs the case claims with a typ header (omitted when typ is nil).
func typed(typ any) string {
	ed := keyFor("EdDSA")
	h := map[string]any{"alg": ed.alg, "kid": ed.kid}
	if typ != nil {
		h["typ"] = typ
	}
	return ed.signRaw(string(mustJSON(h)), string(mustJSON(caseClaims())))
}

func TestFinding13_TokenTypeChecked(t *testing.T) {
	invalid := map[string]string{"www-authenticate": `Bearer error="invalid_token", error_description="The access token is invalid."`}
	var cases []harness.Case
	for _, typ := range []any{"logout+jwt", "secevent+jwt", "dpop+jwt", "application/logout+jwt", "LOGOUT+JWT", "id_token+jwt", "JOSE", "jwt+x", ""} {
		cases = append(cases, harness.Case{Name: fmt.Sprintf("typ %q rejected", typ),
			Request: harness.Request{Path: "/orders", Headers: [][2]string{{"authorization", "Bearer " + typed(typ)}}},
			Want:    harness.Expect{Status: 401, Headers: invalid}})
	}
	cases = append(cases, harness.Case{Name: "typ not a string is malformed",
		Request: harness.Request{Path: "/orders", Headers: [][2]string{{"authorization", "Bearer " + typed(1)}}},
		Want:    harness.Expect{Status: 401, Headers: invalid}})
	for _, typ := range []any{nil, "JWT", "jwt", "at+jwt", "AT+JWT", "application/at+jwt", "application/jwt"} {
		cases = append(cases, harness.Case{Name: fmt.Sprintf("control: typ %v accepted by default", typ),
			Request: harness.Request{Path: "/orders", Headers: [][2]string{{"authorization", "Bearer " + typed(typ)}}},
			Want:    harness.Expect{Status: 200}})
	}
	for _, tc := range []struct {
		typ  any
		want int
	}{{"at+jwt", 200}, {"application/at+jwt", 200}, {"JWT", 401}, {nil, 401}, {"logout+jwt", 401}} {
		name := fmt.Sprintf("typ allow-list [at+jwt]: typ %v", tc.typ)
		if tc.want == 200 {
			name = "control: " + name
		}
		cases = append(cases, harness.Case{Name: name,
			Request: harness.Request{Path: "/strict", Headers: [][2]string{{"x-at", typed(tc.typ)}}},
			Want:    harness.Expect{Status: tc.want}})
	}
	harness.RunCases(t, Definition, finding13Config(), cases)

	// The reason is bad_typ.
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.MustStart(t, mode, Definition, finding13Config())
		h.Do(harness.Request{Path: "/orders", Headers: [][2]string{{"authorization", "Bearer " + typed("logout+jwt")}}})
		if n := h.Counter(metrics.DecisionName("jwtauthn", "api", "bad_typ", metrics.Deny)); n != 1 {
			t.Errorf("bad_typ denies counted %d, want 1", n)
		}
	})
}

func TestFinding13_TypConfigChecked(t *testing.T) {
	for _, tc := range []struct{ typ, field string }{
		{`[]`, "providers[0].typ"},
		{`["at+jwt", "application/AT+JWT"]`, "providers[0].typ[1]"},
		{`["at jwt"]`, "providers[0].typ[0]"},
	} {
		spec := fmt.Sprintf(`{"providers":[{"id":"p","issuer":"i","audiences":["a"],"algorithms":["EdDSA"],"jwks":%s,"typ":%s}],
			"rules":[{"id":"r","match":{},"requires":{"provider":"p"}}]}`, jwksOf(keyFor("EdDSA")), tc.typ)
		if _, err := Parse([]byte(spec)); err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("typ %s: error %v, want one naming %s", tc.typ, err, tc.field)
		}
	}
	spec := fmt.Sprintf(`{"providers":[{"id":"p","issuer":"i","audiences":["a"],"algorithms":["EdDSA"],"jwks":%s,"typ":["", "at+jwt", "application/jwt"]}],
		"rules":[{"id":"r","match":{},"requires":{"provider":"p"}}]}`, jwksOf(keyFor("EdDSA")))
	if _, err := Parse([]byte(spec)); err != nil {
		t.Errorf("control: a valid typ list refused: %v", err)
	}
}

// TestFinding13_JWKSBodyReadOnlyUpToLimit: a key set larger than 256 KiB is refused from its
// size, which the host reports before the body is read; the callout asks the host for that
// limit, and the body never enters the VM (the strict host counts the buffer reads). A body
// under the limit is still read and used.
func TestFinding13_JWKSBodyReadOnlyUpToLimit(t *testing.T) {
	pol, host := start(t, remoteSpec(false))
	pol.Tick(host.Now())
	if f := host.TakeFetch(); f == nil || f.Request.MaxBody != 256<<10 {
		t.Fatalf("the key fetch does not ask the host for a 256 KiB body limit: %+v", f)
	}
	big := `{"keys":[],"pad":"` + strings.Repeat("x", 300<<10) + `"}`
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.MustStart(t, mode, Definition, envelope(remoteSpec(false)))
		r := hostRemote{t, h, map[int]bool{}}
		r.tick(time.Second)
		reads := func() int { // buffer reads in any callback (the strict host names callout answers after the last one)
			n := 0
			for _, calls := range h.StrictStats().Calls {
				n += calls["proxy_get_buffer_bytes"]
			}
			return n
		}
		before := reads()
		r.answer("/keys", 200, big)
		if mode == harness.Strict && reads() != before {
			t.Errorf("the oversized body was read into the VM (%d buffer reads)", reads()-before)
		}
		if logs := strings.Join(h.Logs(), "\n"); !strings.Contains(logs, "body larger than 256 KiB, not read") {
			t.Errorf("no log line saying the oversized body was not read:\n%s", logs)
		}
		r.want(rotOld, 503) // still no keys

		// Control: a set padded to just under the limit is read and installed.
		r.tick(3 * time.Second) // past the first retry
		jwks := jwksOf(rotOld)
		padded := jwks[:len(jwks)-1] + strings.Repeat(" ", 256<<10-len(jwks)) + "}"
		before = reads()
		r.answer("/keys", 200, padded)
		if mode == harness.Strict && reads() == before {
			t.Error("a body under the limit was not read")
		}
		r.want(rotOld, 200)
	})
}
