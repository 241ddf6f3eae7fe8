package jwtauthn

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wasmward/wasmward/shared/policytest"
)

// remoteSpec has one provider "idp" fetching keys from jwksUri (or by discovery) on cluster
// "idp-cluster": cache 60 s, unknown-kid refetch at most every 10 s, retry after 2 s, stale
// limit 30 s, and noKeysStatus 503.
// remoteSpec is a remote-keys provider; the rotation stories run with waitForKeys false (keys
// come on ticks only) and remoteSpecWaiting with requests fetching on demand.
func remoteSpec(discovery bool) string { return remoteSpecWith(discovery, `, "waitForKeys": false`) }

func remoteSpecWaiting(discovery bool) string { return remoteSpecWith(discovery, "") }

func remoteSpecWith(discovery bool, wait string) string {
	source := `"jwksUri": "https://idp.example.com/keys"`
	if discovery {
		source = `"discovery": true`
	}
	return fmt.Sprintf(`{"providers": [{"id": "idp", "issuer": %q, "audiences": [%q], "algorithms": ["ES256", "EdDSA"],
		"remote": {"cluster": "idp-cluster", %s, "cacheSeconds": 60, "minRefetchSeconds": 10, "retrySeconds": 2, "staleSeconds": 30, "timeoutMillis": 1000%s}}],
	  "rules": [{"id": "api", "match": {}, "requires": {"provider": "idp"}}]}`, testIssuer, testAudience, source, wait)
}

var (
	rotOld = edKey("old", "rotation-old")
	rotNew = ecKey("new", "ES256", "rotation-new")
)

// remote drives a remote-keys policy on a fake host.
type remote struct {
	t    *testing.T
	pol  *Policy
	host *policytest.Host
}

func startRemote(t *testing.T, discovery bool) *remote {
	pol, host := start(t, remoteSpec(discovery))
	return &remote{t, pol, host}
}

// tick advances the clock by d and runs one tick.
func (r *remote) tick(d time.Duration) {
	r.host.Advance(d)
	r.pol.Tick(r.host.Now())
}

// answer completes the oldest pending fetch, checking its path.
func (r *remote) answer(path string, status int, body string) {
	r.t.Helper()
	f := r.host.TakeFetch()
	if f == nil {
		r.t.Fatalf("no fetch pending, want one for %s", path)
	}
	if f.Request.Path != path || f.Request.Cluster != "idp-cluster" || f.Request.Authority != "idp.example.com" {
		r.t.Fatalf("fetch %+v, want %s on idp-cluster", f.Request, path)
	}
	if status < 0 {
		f.Fail(errors.New("timeout"))
		return
	}
	f.Respond(status, body)
}

func (r *remote) noFetch() {
	r.t.Helper()
	if len(r.host.Fetches) != 0 {
		r.t.Fatalf("unexpected fetch %+v", r.host.Fetches[0].Request)
	}
}

func (r *remote) want(k *testKey, reason string) {
	r.t.Helper()
	d := get(r.pol, "/", bearer(k.token(claimsAt(r.host.Now().Unix())))...)
	wantReason(r.t, d, reason)
	if reason == reasonNoKeys && d.Reply.Status != 503 {
		r.t.Errorf("no keys: status %d, want 503", d.Reply.Status)
	}
}

// TestRotationNewKid: before any keys requests fail closed; the first tick fetches; a new kid
// triggers one rate-limited refetch on the next tick, and the new key then verifies.
func TestRotationNewKid(t *testing.T) {
	r := startRemote(t, false)
	r.noFetch() // nothing at start: the first fetch is on the first tick
	r.want(rotOld, reasonNoKeys)
	r.tick(time.Second)
	r.answer("/keys", 200, jwksOf(rotOld))
	r.want(rotOld, "")
	r.want(rotNew, reasonUnknownKid) // the IdP rotated: asks for a refetch
	r.want(rotNew, reasonUnknownKid) // asks again: still one refetch
	r.tick(time.Second)
	r.answer("/keys", 200, jwksOf(rotOld, rotNew))
	r.noFetch()
	r.want(rotNew, "")
	r.want(rotOld, "")
	// Unknown kids refetch at most once per minRefetchSeconds (10 s, counted from the last).
	r.want(edKey("bogus", "x"), reasonUnknownKid) // 1 s after the last refetch: none
	r.tick(time.Second)
	r.noFetch()
	r.tick(7 * time.Second)
	r.want(edKey("bogus", "x"), reasonUnknownKid) // 9 s: none
	r.tick(time.Second)
	r.noFetch()
	r.tick(time.Second)
	r.want(edKey("bogus", "x"), reasonUnknownKid) // 11 s: one
	r.tick(time.Second)
	r.answer("/keys", 200, jwksOf(rotOld, rotNew))
	r.noFetch()
}

// TestRotationOldKeyRemoved: a refresh without the old key makes its tokens fail, including
// ones already in the verified-token cache.
func TestRotationOldKeyRemoved(t *testing.T) {
	r := startRemote(t, false)
	r.tick(time.Second)
	r.answer("/keys", 200, jwksOf(rotOld, rotNew))
	tok := rotOld.token(claimsAt(r.host.Now().Unix()))
	wantReason(t, get(r.pol, "/", bearer(tok)...), "")
	if r.pol.cache.Len() != 1 {
		t.Fatal("token not cached")
	}
	r.tick(59 * time.Second)
	r.noFetch()
	r.tick(time.Second) // cacheSeconds elapsed: scheduled refresh
	r.answer("/keys", 200, jwksOf(rotNew))
	if r.pol.cache.Len() != 0 {
		t.Error("key change did not drop the token cache")
	}
	wantReason(t, get(r.pol, "/", bearer(tok)...), reasonUnknownKid)
	r.want(rotNew, "")
}

// TestRotationEndpointDown: failures keep the last good keys until the stale limit, then fail
// closed; retries back off; recovery restores service.
func TestRotationEndpointDown(t *testing.T) {
	r := startRemote(t, false)
	r.tick(time.Second)
	r.answer("/keys", -1, "") // first fetch fails: no keys yet
	r.want(rotOld, reasonNoKeys)
	r.tick(time.Second)
	r.noFetch() // retry after 2 s
	r.tick(time.Second)
	r.answer("/keys", 200, jwksOf(rotOld))
	r.want(rotOld, "")
	r.tick(60 * time.Second) // refresh due: the endpoint is down
	r.answer("/keys", 500, "oops")
	r.want(rotOld, "") // stale served
	r.tick(2 * time.Second)
	r.answer("/keys", 200, "not json")
	r.want(rotOld, "")
	r.tick(4 * time.Second) // backoff doubled
	r.answer("/keys", 200, `{"keys":[]}`)
	r.want(rotOld, "")
	r.tick(8 * time.Second)
	r.answer("/keys", -1, "")
	r.tick(16 * time.Second) // 90 s after the fetch: past cache 60 + stale 30
	r.want(rotOld, reasonNoKeys)
	if !strings.Contains(strings.Join(r.host.Lines, "\n"), "keys dropped") {
		t.Error("dropping stale keys was not logged")
	}
	r.answer("/keys", 200, jwksOf(rotOld))
	r.want(rotOld, "")
	for _, l := range r.host.Lines {
		if strings.Contains(l, "oops") || strings.Contains(l, "not json") {
			t.Errorf("log line echoes the response body: %s", l)
		}
	}
}

// TestRotationSlowEndpoint: one callout at a time; a callout never answered is abandoned after
// its timeout and its late answer ignored.
func TestRotationSlowEndpoint(t *testing.T) {
	r := startRemote(t, false)
	r.tick(time.Second)
	slow := r.host.TakeFetch()
	r.want(rotOld, reasonNoKeys)
	r.tick(time.Second) // still within timeout + 1 s grace: no second callout
	r.noFetch()
	r.tick(time.Second) // abandoned; retry due in 2 s
	r.noFetch()
	r.tick(2 * time.Second)
	r.answer("/keys", 200, jwksOf(rotNew))
	slow.Respond(200, jwksOf(rotOld)) // the late answer is ignored
	r.want(rotNew, "")
	r.want(rotOld, reasonUnknownKid)
}

// TestDiscovery: issuer → /.well-known/openid-configuration → jwks_uri, checked.
func TestDiscovery(t *testing.T) {
	doc := func(iss, uri string) string {
		return fmt.Sprintf(`{"issuer": %q, "jwks_uri": %q}`, iss, uri)
	}
	t.Run("happy path", func(t *testing.T) {
		r := startRemote(t, true)
		r.tick(time.Second)
		r.answer("/.well-known/openid-configuration", 200, doc(testIssuer, "https://idp.example.com/oauth/jwks?v=1"))
		r.answer("/oauth/jwks?v=1", 200, jwksOf(rotOld))
		r.want(rotOld, "")
		r.tick(60 * time.Second) // refresh re-reads the discovery document
		r.answer("/.well-known/openid-configuration", 200, doc(testIssuer, "https://idp.example.com/jwks2"))
		r.answer("/jwks2", 200, jwksOf(rotNew))
		r.want(rotNew, "")
	})
	for _, tc := range []struct{ name, doc string }{
		{"other issuer", doc("https://evil.example.com", "https://idp.example.com/jwks")},
		{"jwks_uri on another host", doc(testIssuer, "https://evil.example.com/jwks")},
		{"jwks_uri over http", doc(testIssuer, "http://idp.example.com/jwks")},
		{"no jwks_uri", `{"issuer": "` + testIssuer + `"}`},
		{"duplicate members", `{"issuer": "` + testIssuer + `", "jwks_uri": "https://idp.example.com/a", "jwks_uri": "https://idp.example.com/b"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := startRemote(t, true)
			r.tick(time.Second)
			r.answer("/.well-known/openid-configuration", 200, tc.doc)
			r.noFetch()
			r.want(rotOld, reasonNoKeys)
		})
	}
}

// TestRemoteRejectsSecretsAndPrivateKeys: a fetched set with an oct key or private parts is
// refused whole.
func TestRemoteRejectsSecretsAndPrivateKeys(t *testing.T) {
	for _, body := range []string{
		jwksOf(rotOld, hsKey("h", "HS256")),
		strings.Replace(jwksOf(rotNew), `"kty":"EC"`, `"kty":"EC","d":"AAAA"`, 1),
	} {
		r := startRemote(t, false)
		r.tick(time.Second)
		r.answer("/keys", 200, body)
		r.want(rotOld, reasonNoKeys)
	}
}

// TestNoKeysStatus: the configured status is used; a 401 still carries the Bearer challenge.
func TestNoKeysStatus(t *testing.T) {
	pol, _ := start(t, strings.Replace(remoteSpec(false), `"rules":`, `"noKeysStatus": 401, "rules":`, 1))
	d := get(pol, "/", bearer(rotOld.token(claimsAt(now())))...)
	wantReason(t, d, reasonNoKeys)
	if d.Reply.Status != 401 || !strings.Contains(headerOf(d.Reply.Headers, "www-authenticate"), "invalid_token") {
		t.Errorf("reply %d %v", d.Reply.Status, d.Reply.Headers)
	}
}

// TestStaleKeysDropCachedTokens: a cached token is not served once its keys are stale past the
// limit, even before the next tick.
func TestStaleKeysDropCachedTokens(t *testing.T) {
	r := startRemote(t, false)
	r.tick(time.Second)
	r.answer("/keys", 200, jwksOf(rotOld))
	tok := rotOld.token(claimsAt(r.host.Now().Unix()))
	wantReason(t, get(r.pol, "/", bearer(tok)...), "")
	r.host.Advance(91 * time.Second) // cache 60 + stale 30, no tick
	wantReason(t, get(r.pol, "/", bearer(tok)...), reasonNoKeys)
	if r.pol.cache.Len() != 0 {
		t.Error("stale keys left verified tokens cached")
	}
}
