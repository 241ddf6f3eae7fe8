package jwtauthn

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/policytest"
)

// waiting drives a request through Defer as the glue does: Await, then (once ready, or at once
// when the request cannot wait) the decision again with Request.Awaited.
type waiting struct {
	t     *testing.T
	pol   *Policy
	req   *policy.Request
	first policy.Decision
	ready bool
	waits bool
}

func request(pol *Policy, k *testKey, at int64) *waiting {
	pairs := [][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "api.example.com"},
		{"authorization", "Bearer " + k.token(claimsAt(at))}}
	w := &waiting{pol: pol, req: policy.NewRequest(pairs, nil, nil)}
	w.first = pol.OnRequest(w.req)
	if w.first.Verdict == policy.Defer {
		w.waits = w.first.Await(func() { w.ready = true })
	}
	return w
}

// final is the decision the glue applies once the wait is over.
func (w *waiting) final() policy.Decision {
	if w.first.Verdict != policy.Defer {
		return w.first
	}
	w.req.Awaited = true
	return w.pol.OnRequest(w.req)
}

// TestOnDemandKeysColdStart: the first request after a start does not fail for want of keys:
// it starts the fetch and waits for it; a second request while it runs waits on the same fetch
// (Envoy), then both verify.
func TestOnDemandKeysColdStart(t *testing.T) {
	pol, host := start(t, remoteSpecWaiting(false))
	a := request(pol, rotOld, host.Now().Unix())
	if a.first.Verdict != policy.Defer || !a.waits {
		t.Fatalf("cold start: want a wait, got %v (waits %v)", a.first.Verdict, a.waits)
	}
	b := request(pol, rotOld, host.Now().Unix())
	if !b.waits || len(host.Fetches) != 1 {
		t.Fatalf("a second request must wait on the one fetch: waits %v, %d fetches", b.waits, len(host.Fetches))
	}
	host.TakeFetch().Respond(200, jwksOf(rotOld))
	if !a.ready || !b.ready {
		t.Fatal("the fetch's answer must wake every waiting request")
	}
	for _, w := range []*waiting{a, b} {
		if d := w.final(); d.Verdict != policy.Allow {
			t.Errorf("after the fetch: %v %s", d.Verdict, d.Reason)
		}
	}
}

// TestOnDemandKeysNginx: on a host that resumes a request only after its own callouts, a
// request finding a fetch in flight cannot wait on it: it fetches the keys itself (join) and
// waits for its own answer. Whichever answer comes first installs the keys; the others change
// nothing (the same set is not parsed again). Beyond maxJoiners, a request fails closed at once
// (no hang); a joined fetch that fails ends only its own request's wait.
func TestOnDemandKeysNginx(t *testing.T) {
	pol, host := start(t, remoteSpecWaiting(false))
	host.Caps = policy.NginxCapabilities(true)
	a := request(pol, rotOld, host.Now().Unix())
	b := request(pol, rotOld, host.Now().Unix())
	if !a.waits || !b.waits || len(host.Fetches) != 2 {
		t.Fatalf("nginx: the first request waits (%v), the second joins (%v) with a callout of its own: %d callouts", a.waits, b.waits, len(host.Fetches))
	}
	if got := host.Fetches[1].Request; got.Path != "/keys" || got.Cluster != "idp-cluster" {
		t.Fatalf("the joined callout: %+v", got)
	}
	var joiners []*waiting
	for range maxJoiners - 1 {
		joiners = append(joiners, request(pol, rotOld, host.Now().Unix()))
	}
	over := request(pol, rotOld, host.Now().Unix())
	if over.waits || len(host.Fetches) != 1+maxJoiners {
		t.Fatalf("past maxJoiners a request must not wait: waits %v, %d callouts", over.waits, len(host.Fetches))
	}
	wantReason(t, over.final(), reasonNoKeys)

	// The set holds an unusable key, logged when the set is parsed.
	set := string(mustJSON(map[string]any{"keys": []any{rotOld.jwk, map[string]any{"kty": "XYZ", "kid": "junk"}}}))
	primary, joined := host.TakeFetch(), host.TakeFetch()
	joined.Fail(errors.New("connection reset"))
	if !b.ready || a.ready {
		t.Fatalf("a failed joined fetch ends its own request's wait only: a %v, b %v", a.ready, b.ready)
	}
	wantReason(t, b.final(), reasonNoKeys)
	host.TakeFetch().Respond(200, set) // the first of the other joiners
	if !joiners[0].ready || a.ready {
		t.Fatalf("a joined answer wakes its own request: a %v, joiner %v", a.ready, joiners[0].ready)
	}
	wantReason(t, joiners[0].final(), "")
	parses := len(host.Lines)
	if !strings.Contains(strings.Join(host.Lines, "\n"), "JWKS key 1 skipped") {
		t.Fatalf("the set's unusable key was not logged: %q", host.Lines)
	}
	for _, f := range host.Fetches {
		f.Respond(200, set)
	}
	host.Fetches = nil
	primary.Respond(200, set)
	if !a.ready {
		t.Fatal("the fetch's answer must wake the request that started it")
	}
	for i, w := range append([]*waiting{a}, joiners...) {
		if d := w.final(); d.Verdict != policy.Allow {
			t.Errorf("request %d after the fetch: %v %s", i, d.Verdict, d.Reason)
		}
	}
	if len(host.Lines) != parses {
		t.Errorf("the same key set again logged: %q", host.Lines[parses:])
	}
	// Every joined fetch is over: the next fetch has its joiners' count afresh.
	if r := pol.providers[0].remote; r.joiners != 0 {
		t.Errorf("%d joiners left after every answer", r.joiners)
	}
}

// TestOnDemandKeysNginxJoinRotation: keys in use, a token signed by a new key (unknown kid)
// starts the refetch and waits for it; a second such token while it runs joins with a callout
// of its own, whose answer brings the new key for both.
func TestOnDemandKeysNginxJoinRotation(t *testing.T) {
	pol, host := start(t, remoteSpecWaiting(false))
	host.Caps = policy.NginxCapabilities(true)
	first := request(pol, rotOld, host.Now().Unix())
	host.TakeFetch().Respond(200, jwksOf(rotOld))
	wantReason(t, first.final(), "")
	host.Advance(20 * time.Second) // past minRefetchSeconds
	a := request(pol, rotNew, host.Now().Unix())
	b := request(pol, rotNew, host.Now().Unix())
	if !a.waits || !b.waits || len(host.Fetches) != 2 {
		t.Fatalf("unknown kid: waits %v %v, %d callouts", a.waits, b.waits, len(host.Fetches))
	}
	primary, joined := host.TakeFetch(), host.TakeFetch()
	joined.Respond(200, jwksOf(rotOld, rotNew))
	if !b.ready || a.ready {
		t.Fatalf("ready: a %v, b %v", a.ready, b.ready)
	}
	wantReason(t, b.final(), "")
	primary.Respond(200, jwksOf(rotOld, rotNew))
	wantReason(t, a.final(), "")
	wantReason(t, request(pol, rotOld, host.Now().Unix()).final(), "")
}

// TestOnDemandKeysNginxJoinDiscovery: with OIDC discovery, a joining request reads the
// discovery document and then the JWKS, both with its own callouts; a discovery document that
// fails the checks (another issuer) ends its wait, failing closed.
func TestOnDemandKeysNginxJoinDiscovery(t *testing.T) {
	doc := func(iss string) string {
		return fmt.Sprintf(`{"issuer": %q, "jwks_uri": "https://idp.example.com/oauth/jwks"}`, iss)
	}
	pol, host := start(t, remoteSpecWaiting(true))
	host.Caps = policy.NginxCapabilities(true)
	a := request(pol, rotOld, host.Now().Unix())
	b := request(pol, rotOld, host.Now().Unix())
	c := request(pol, rotOld, host.Now().Unix())
	if !a.waits || !b.waits || !c.waits || len(host.Fetches) != 3 {
		t.Fatalf("waits %v %v %v, %d callouts", a.waits, b.waits, c.waits, len(host.Fetches))
	}
	primary, joinedB, joinedC := host.TakeFetch(), host.TakeFetch(), host.TakeFetch()
	if joinedB.Request.Path != "/.well-known/openid-configuration" {
		t.Fatalf("the joined callout: %s", joinedB.Request.Path)
	}
	joinedC.Respond(200, doc("https://evil.example.com"))
	if !c.ready || len(host.Fetches) != 0 {
		t.Fatalf("a bad discovery document ends the joiner's wait: ready %v, %d callouts", c.ready, len(host.Fetches))
	}
	wantReason(t, c.final(), reasonNoKeys)
	joinedB.Respond(200, doc(testIssuer))
	jwks := host.TakeFetch()
	if jwks == nil || jwks.Request.Path != "/oauth/jwks" || b.ready {
		t.Fatalf("after discovery the joiner fetches the JWKS and still waits: %+v, ready %v", jwks, b.ready)
	}
	jwks.Respond(200, jwksOf(rotOld))
	if !b.ready || a.ready {
		t.Fatalf("ready: a %v, b %v", a.ready, b.ready)
	}
	wantReason(t, b.final(), "")
	primary.Respond(200, doc(testIssuer))
	host.TakeFetch().Respond(200, jwksOf(rotOld))
	if !a.ready {
		t.Fatal("the request that started the fetch must be woken")
	}
	wantReason(t, a.final(), "")
}

// TestOnDemandKeysRotation: a token signed by a key the cached set lacks waits for one refetch
// (at most once per minRefetchSeconds); a failed fetch fails closed, and the back-off keeps
// later requests from waiting on a dead endpoint.
func TestOnDemandKeysRotation(t *testing.T) {
	pol, host := start(t, remoteSpecWaiting(false))
	a := request(pol, rotOld, host.Now().Unix())
	host.TakeFetch().Respond(200, jwksOf(rotOld))
	if d := a.final(); d.Verdict != policy.Allow {
		t.Fatalf("cold start: %v %s", d.Verdict, d.Reason)
	}
	n := request(pol, rotNew, host.Now().Unix())
	if !n.waits {
		t.Fatal("an unknown kid must wait for a refetch")
	}
	host.TakeFetch().Respond(200, jwksOf(rotOld, rotNew))
	if d := n.final(); d.Verdict != policy.Allow {
		t.Fatalf("rotated key: %v %s", d.Verdict, d.Reason)
	}
	bogus := edKey("bogus", "x")
	if w := request(pol, bogus, host.Now().Unix()); w.first.Verdict == policy.Defer {
		t.Fatal("a second unknown kid within minRefetchSeconds must not refetch")
	} else {
		wantReason(t, w.final(), reasonUnknownKid)
	}

	host.Advance(11 * time.Second)
	w := request(pol, bogus, host.Now().Unix())
	if !w.waits {
		t.Fatal("after minRefetchSeconds an unknown kid refetches")
	}
	host.TakeFetch().Respond(503, "")
	wantReason(t, w.final(), reasonUnknownKid)
}

// TestOnDemandKeysEndpointDown: with no keys and a failing endpoint, the waiting request fails
// closed with noKeysStatus when the fetch fails; during the back-off nobody waits.
func TestOnDemandKeysEndpointDown(t *testing.T) {
	pol, host := start(t, remoteSpecWaiting(false))
	w := request(pol, rotOld, host.Now().Unix())
	host.TakeFetch().Fail(errors.New("timeout"))
	d := w.final()
	wantReason(t, d, reasonNoKeys)
	if d.Reply.Status != 503 {
		t.Errorf("status %d, want 503", d.Reply.Status)
	}
	if w := request(pol, rotOld, host.Now().Unix()); w.first.Verdict == policy.Defer {
		t.Error("during the back-off a request must not wait")
	}
	if len(host.Fetches) != 0 {
		t.Errorf("%d fetches during the back-off", len(host.Fetches))
	}
}

// TestOnDemandKeysNginxRefresh: where callouts cannot go out from the tick (nginx), ticks fetch
// nothing; once the keys are due, the next request refreshes them (waiting for it) while a
// request meanwhile keeps verifying with the current keys.
func TestOnDemandKeysNginxRefresh(t *testing.T) {
	pol, host := start(t, remoteSpecWaiting(false))
	host.Caps = policy.NginxCapabilities(true)
	a := request(pol, rotOld, host.Now().Unix())
	host.TakeFetch().Respond(200, jwksOf(rotOld))
	if d := a.final(); d.Verdict != policy.Allow {
		t.Fatalf("cold start: %v %s", d.Verdict, d.Reason)
	}
	host.Advance(61 * time.Second) // past cacheSeconds
	pol.Tick(host.Now())
	if len(host.Fetches) != 0 {
		t.Fatal("no callout may go out from the tick on nginx")
	}
	r := request(pol, rotOld, host.Now().Unix())
	if !r.waits || len(host.Fetches) != 1 {
		t.Fatalf("the first request after the keys are due refreshes them: waits %v, %d fetches", r.waits, len(host.Fetches))
	}
	if d := request(pol, rotOld, host.Now().Unix()); d.first.Verdict != policy.Allow {
		t.Errorf("meanwhile another request verifies with the current keys: %v %s", d.first.Verdict, d.first.Reason)
	}
	host.TakeFetch().Respond(200, jwksOf(rotOld))
	if d := r.final(); d.Verdict != policy.Allow {
		t.Errorf("after the refresh: %v %s", d.Verdict, d.Reason)
	}
}

// TestOnDemandKeysRefusedWithoutWaitOnNginx: keys only come through requests on nginx, so a
// provider that may not wait for them cannot start there.
func TestOnDemandKeysRefusedWithoutWaitOnNginx(t *testing.T) {
	pol, err := Parse([]byte(strings.Replace(remoteSpec(false), "idp-cluster", "idp.example.com:443", 1)))
	if err != nil {
		t.Fatal(err)
	}
	host := policytest.NewHost()
	host.Caps = policy.NginxCapabilities(true)
	if err := pol.(*Policy).Start(host); err == nil || !strings.Contains(err.Error(), "waitForKeys") {
		t.Fatalf("want a refusal naming waitForKeys, got %v", err)
	}
}
