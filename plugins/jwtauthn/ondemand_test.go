package jwtauthn

import (
	"errors"
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

// TestOnDemandKeysNginx: on a host that resumes a request only after its own callout, a request
// finding a fetch in flight does not wait: it fails closed at once (no hang).
func TestOnDemandKeysNginx(t *testing.T) {
	pol, host := start(t, remoteSpecWaiting(false))
	host.Caps = policy.NginxCapabilities(true)
	a := request(pol, rotOld, host.Now().Unix())
	b := request(pol, rotOld, host.Now().Unix())
	if !a.waits || b.waits {
		t.Fatalf("nginx: the first request waits (%v), the second does not (%v)", a.waits, b.waits)
	}
	wantReason(t, b.final(), reasonNoKeys)
	host.TakeFetch().Respond(200, jwksOf(rotOld))
	if d := a.final(); d.Verdict != policy.Allow {
		t.Errorf("the waiting request: %v %s", d.Verdict, d.Reason)
	}
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
