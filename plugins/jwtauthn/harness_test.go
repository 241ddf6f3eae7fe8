package jwtauthn

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"

	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/identity"
	"github.com/wasmward/wasmward/shared/metrics"
)

func envelope(spec string) []byte {
	return []byte(`{"apiVersion":"wasmward/v1","plugin":"jwtauthn","spec":` + spec + `}`)
}

// hostRemote drives a remote-keys config through the glue (harness), in one mode. proxytest
// keeps answered callouts in Callouts() and reuses callout ids once answered, so answered ones
// are tracked here by their position in Callouts().
type hostRemote struct {
	t        *testing.T
	h        *harness.Host
	answered map[int]bool
}

// callout is a pending callout and its position.
type callout struct {
	proxytest.HttpCalloutAttribute
	pos int
}

// pending returns the callouts not answered yet, oldest first.
func (r hostRemote) pending() []callout {
	var out []callout
	for i, c := range r.h.Callouts() {
		if !r.answered[i] {
			out = append(out, callout{c, i})
		}
	}
	return out
}

func (r hostRemote) respond(c callout, headers [][2]string, body string) {
	r.answered[c.pos] = true
	r.h.RespondCallout(c.CalloutID, headers, []byte(body))
}

func (r hostRemote) tick(d time.Duration) {
	r.h.Advance(d)
	r.h.Tick()
}

// answer responds to the single pending callout, checking cluster and path; status 0 leaves
// the host's answer without headers (a failed callout).
func (r hostRemote) answer(path string, status int, body string) {
	r.t.Helper()
	cs := r.pending()
	if len(cs) != 1 {
		r.t.Fatalf("%d callouts pending, want 1 for %s", len(cs), path)
	}
	c := cs[0]
	gotPath, _ := harness.Reply{Headers: c.Headers}.Header(":path")
	if c.Upstream != "idp-cluster" || gotPath != path {
		r.t.Fatalf("callout to %s %s, want idp-cluster %s", c.Upstream, gotPath, path)
	}
	var headers [][2]string
	if status > 0 {
		headers = [][2]string{{":status", itoa(status)}}
	}
	r.respond(c, headers, body)
}

func (r hostRemote) noCallout() {
	r.t.Helper()
	if n := len(r.pending()); n != 0 {
		r.t.Fatalf("%d callouts pending, want none", n)
	}
}

func (r hostRemote) want(k *testKey, status int) {
	r.t.Helper()
	tok := k.token(claimsAt(r.h.Now().Unix()))
	res := r.h.Do(harness.Request{Path: "/orders", Headers: [][2]string{{"authorization", "Bearer " + tok}}})
	if res.Reply.Status != status {
		r.t.Fatalf("status %d, want %d (body %q)", res.Reply.Status, status, res.Reply.Body)
	}
	if strings.Contains(res.Reply.Body, tok) {
		r.t.Fatal("reply echoes the token")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestHarnessRotation runs the rotation story through the glue in native and wasm mode: the
// tick period, fail-closed start, first fetch on the first tick, new kid, endpoint down with
// stale keys then fail closed, a slow endpoint abandoned after its timeout, and recovery.
func TestHarnessRotation(t *testing.T) {
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.MustStart(t, mode, Definition, envelope(remoteSpec(false)))
		if h.TickPeriod() != time.Second {
			t.Fatalf("tick period %v, want 1s", h.TickPeriod())
		}
		r := hostRemote{t, h, map[int]bool{}}
		r.noCallout()
		r.want(rotOld, 503) // no keys yet: fail closed
		r.tick(time.Second)
		r.answer("/keys", 200, jwksOf(rotOld))
		r.want(rotOld, 200)

		r.want(rotNew, 401) // new kid: one refetch on the next tick
		r.tick(time.Second)
		r.answer("/keys", 200, jwksOf(rotOld, rotNew))
		r.want(rotNew, 200)

		r.tick(60 * time.Second) // refresh due; the endpoint is down
		r.answer("/keys", 503, "")
		r.want(rotOld, 200) // stale served
		r.tick(2 * time.Second)
		r.answer("/keys", 0, "") // callout failed
		r.want(rotNew, 200)

		r.tick(4 * time.Second) // slow: never answered
		r.tick(time.Second)
		r.noCalloutBeyond(1)
		r.tick(30 * time.Second) // past cache 60 + stale 30 since the last good fetch; slow callout abandoned
		r.want(rotOld, 503)
		r.tick(8 * time.Second) // backoff elapsed: a new callout
		cs := r.pending()
		if len(cs) != 2 {
			t.Fatalf("%d callouts pending, want the abandoned one and a new one", len(cs))
		}
		r.respond(cs[0], [][2]string{{":status", "200"}}, jwksOf(rotOld)) // late answer: ignored
		r.want(rotOld, 503)
		r.respond(cs[1], [][2]string{{":status", "200"}}, jwksOf(rotNew))
		r.want(rotNew, 200)
		r.want(rotOld, 401)

		if n := h.Counter(metrics.DecisionName("jwtauthn", "api", "no_keys", "deny")); n != 3 {
			t.Errorf("no_keys denies counted %d, want 3", n)
		}
		if n := h.Counter(metrics.DecisionName("jwtauthn", "api", "unknown_kid", "deny")); n != 2 {
			t.Errorf("unknown_kid denies counted %d, want 2", n)
		}
		for _, l := range h.AuditLines() {
			if strings.Contains(l, "eyJ") {
				t.Errorf("audit line carries a token: %s", l)
			}
		}
	})
}

// noCalloutBeyond fails when more than n callouts are pending.
func (r hostRemote) noCalloutBeyond(n int) {
	r.t.Helper()
	if got := len(r.pending()); got > n {
		r.t.Fatalf("%d callouts pending, want at most %d (one fetch at a time)", got, n)
	}
}

// TestHarnessIdentityHandoff: with the handoff key and the HMAC secret in the VM environment
// (native mode: proxytest cannot pass env to wasm), the verified identity reaches the upstream
// as a signed header that identity.Verify accepts, and a forged one is replaced.
func TestHarnessIdentityHandoff(t *testing.T) {
	key := strings.Repeat("k", 32)
	h := harness.MustStart(t, harness.Native, Definition, envelope(mainSpec("")),
		harness.Options{Env: map[string]string{"JWT_SECRET": testSecret, identity.KeyEnv: key}})
	tok := keyFor("HS256").token(claimsAt(h.Now().Unix()))
	res := h.Do(harness.Request{Path: "/hs", Headers: [][2]string{{"x-token", tok}, {identity.HeaderName, "v1.1.e30.AAAA"}}})
	if res.Reply.Status != 200 || res.Forwarded == nil {
		t.Fatalf("status %d", res.Reply.Status)
	}
	v, ok := res.Forwarded.Header(identity.HeaderName)
	if !ok {
		t.Fatal("no identity handed off")
	}
	id, err := identity.Verify(v, []byte(key), h.Now(), "")
	if err != nil || id.Subject != "alice" || id.Provider != "hs" || id.Issuer != testIssuer {
		t.Fatalf("handoff = %+v, %v", id, err)
	}
}

// TestNginxTickCallouts: on nginx a callout from on_tick crashes the worker (the strict host's
// nginx profile traps on it). A jwtauthn that believes it runs in Envoy fetches on its first
// tick and traps there; on nginx it fetches only for requests, and ticks go by quietly.
func TestNginxTickCallouts(t *testing.T) {
	spec := strings.Replace(remoteSpecWaiting(false), "idp-cluster", "idp.example.com:443", 1)
	cfg := func(kind string) []byte {
		return []byte(`{"apiVersion":"wasmward/v1","plugin":"jwtauthn","host":{"kind":"` + kind + `"},"spec":` + spec + `}`)
	}
	h := harness.MustStart(t, harness.Strict, Definition, cfg("nginx"), harness.Options{Profile: harness.Nginx, FreshVM: true})
	for range 3 {
		h.Advance(time.Second)
		h.Tick()
	}
	require.Empty(t, h.StrictStats().Traps)
	h.Close()

	h = harness.MustStart(t, harness.Strict, Definition, cfg("envoy"), harness.Options{Profile: harness.Nginx, FreshVM: true})
	h.Advance(time.Second)
	require.NotNil(t, recoverFrom(h.Tick), "a callout from the tick must trap on the nginx profile")
	require.Contains(t, strings.Join(h.StrictStats().Traps, "\n"), "on_tick")
}

func recoverFrom(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}

// TestFinding5_ShadowStillStrips (issue 16): in shadow mode a request jwtauthn would deny goes
// through, but the client's claim headers never do: stripping is not shadowed, only the deny.
func TestFinding5_ShadowStillStrips(t *testing.T) {
	cfg, err := os.ReadFile("testdata/valid/inline.json")
	require.NoError(t, err)
	shadow := strings.Replace(string(cfg), `"plugin": "jwtauthn",`, `"plugin": "jwtauthn", "shadow": true,`, 1)
	forged := harness.Request{Path: "/orders", Headers: [][2]string{{"x-user", "admin"}, {"x-jwt-payload", "e30"}}}
	harness.RunCases(t, Definition, []byte(shadow), []harness.Case{
		{Name: "missing token, shadowed deny", Request: forged,
			Want: harness.Expect{Status: 200, ForwardedAbsent: []string{"x-user", "x-jwt-payload"}}},
		{Name: "bad token, shadowed deny", Request: harness.Request{Path: "/orders",
			Headers: append([][2]string{{"authorization", "Bearer x.y.z"}}, forged.Headers...)},
			Want: harness.Expect{Status: 200, ForwardedAbsent: []string{"x-user", "x-jwt-payload"}}},
	})
}
