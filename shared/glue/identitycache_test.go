package glue_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/harness/probe"
	"github.com/wasmward/wasmward/shared/identity"
	"github.com/wasmward/wasmward/shared/metrics"
	"github.com/wasmward/wasmward/shared/policy"
)

// The consumer remembers the last identity it decoded on each channel: a repeated value is not
// decoded again, but a cached signed header still expires, and a new value replaces the old.
func TestIdentityCacheKeepsChecks(t *testing.T) {
	key := strings.Repeat("k", 32)
	withKey := probeOptions(harness.Options{Env: map[string]string{identity.KeyEnv: key}})
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.MustStart(t, mode, probe.Definition, probeConfig("", `{"role":"consumer"}`), withKey)
		subject := func(req harness.Request) string {
			got, _ := h.Do(req).Forwarded.Header("x-probe-subject")
			return got
		}
		alice, err := identity.Sign(&policy.Identity{Subject: "alice"}, []byte(key), h.Now(), "")
		require.NoError(t, err)
		bob, err := identity.Sign(&policy.Identity{Subject: "bob"}, []byte(key), h.Now(), "")
		require.NoError(t, err)
		hdr := func(v string) harness.Request { return harness.Request{Headers: [][2]string{{identity.HeaderName, v}}} }
		assert.Equal(t, "alice", subject(hdr(alice)))
		assert.Equal(t, "alice", subject(hdr(alice)), "cached")
		assert.Equal(t, "bob", subject(hdr(bob)), "a new value replaces the cached one")
		assert.Equal(t, "alice", subject(hdr(alice)))
		h.Advance(identity.MaxAge + 2*time.Second)
		assert.Equal(t, "none", subject(hdr(alice)), "a cached header expires as a fresh one does")
		assert.EqualValues(t, 1, h.Counter(metrics.DecisionName("probe", "", "handoff_rejected", metrics.Error)))
		assert.Equal(t, "none", subject(hdr(alice[:len(alice)-2]+"xx")), "a different (forged) value is verified")

		// Property channel: the cached value, then a different one.
		carol, err := identity.Marshal(&policy.Identity{Subject: "carol"})
		require.NoError(t, err)
		dave, err := identity.Marshal(&policy.Identity{Subject: "dave"})
		require.NoError(t, err)
		prop := func(b []byte) harness.Request {
			return harness.Request{Properties: map[string]string{identity.PropertyName: string(b)}}
		}
		assert.Equal(t, "carol", subject(prop(carol)))
		assert.Equal(t, "carol", subject(prop(carol)))
		assert.Equal(t, "dave", subject(prop(dave)))
	})
}

// On interleaved connections (keep-alive clients of one worker take turns) each connection's
// header is remembered for that connection: each still verifies, and a header seen on one
// connection is refused on another even after it was remembered.
func TestIdentityCachePerConnection(t *testing.T) {
	key := strings.Repeat("k", 32)
	withKey := probeOptions(harness.Options{Env: map[string]string{identity.KeyEnv: key}})
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.MustStart(t, mode, probe.Definition, probeConfig("", `{"role":"consumer"}`), withKey)
		subject := func(conn, v string) string {
			r := harness.Request{Headers: [][2]string{{identity.HeaderName, v}}, Properties: map[string]string{"connection/id": conn}}
			got, _ := h.Do(r).Forwarded.Header("x-probe-subject")
			return got
		}
		sign := func(sub, conn string) string {
			v, err := identity.Sign(&policy.Identity{Subject: sub}, []byte(key), h.Now(), conn)
			require.NoError(t, err)
			return v
		}
		alice, bob := sign("alice", "7"), sign("bob", "8")
		for range 3 {
			assert.Equal(t, "alice", subject("7", alice))
			assert.Equal(t, "bob", subject("8", bob))
		}
		assert.Equal(t, "none", subject("8", alice), "replayed on another connection")
		assert.Equal(t, "none", subject("9", bob), "replayed on a new connection")
		assert.Equal(t, "alice", subject("7", alice), "still valid on its own")
		h.Advance(identity.MaxAge + 2*time.Second)
		assert.Equal(t, "none", subject("7", alice), "a remembered header expires as a fresh one does")
		assert.Equal(t, "none", subject("8", bob))
		assert.EqualValues(t, 4, h.Counter(metrics.DecisionName("probe", "", "handoff_rejected", metrics.Error)))
	})
}

// A producer handing off the same identity within one second reuses the signature; a second
// later it signs again, with the new time.
func TestIdentitySignatureReuse(t *testing.T) {
	key := strings.Repeat("k", 32)
	withKey := probeOptions(harness.Options{Env: map[string]string{identity.KeyEnv: key}})
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.MustStart(t, mode, probe.Definition, probeConfig("", `{"role":"producer"}`), withKey)
		sig := func() string {
			v, ok := h.Do(probeReq("identity")).Forwarded.Header(identity.HeaderName)
			require.True(t, ok)
			id, err := identity.Verify(v, []byte(key), h.Now(), "")
			require.NoError(t, err)
			assert.Equal(t, "alice", id.Subject)
			return v
		}
		first := sig()
		h.Advance(2 * time.Second)
		assert.NotEqual(t, first, sig(), "signed again with the new time")
	})
}

// A producer handing off one identity (one pointer, as jwtauthn's token cache) on interleaved
// connections signs once per connection and second: each connection gets its own signature
// back, valid for it alone; a second later each is signed again.
func TestIdentitySignaturePerConnection(t *testing.T) {
	key := strings.Repeat("k", 32)
	withKey := probeOptions(harness.Options{Env: map[string]string{identity.KeyEnv: key}})
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.MustStart(t, mode, probe.Definition, probeConfig("", `{"role":"producer"}`), withKey)
		sig := func(conn string) string {
			r := probeReq("identity-cached")
			r.Properties = map[string]string{"connection/id": conn}
			v, ok := h.Do(r).Forwarded.Header(identity.HeaderName)
			require.True(t, ok)
			_, err := identity.Verify(v, []byte(key), h.Now(), conn)
			require.NoError(t, err, "valid for its own connection")
			other := "other-" + conn
			_, err = identity.Verify(v, []byte(key), h.Now(), other)
			require.Error(t, err, "never for another connection")
			return v
		}
		a, b := sig("7"), sig("8")
		assert.NotEqual(t, a, b)
		assert.Equal(t, a, sig("7"), "reused on connection 7 after connection 8's request")
		assert.Equal(t, b, sig("8"))
		h.Advance(2 * time.Second)
		assert.NotEqual(t, a, sig("7"), "signed again with the new time")
		// A burst of more connections within one second than the producer remembers
		// signatures for (clients without keep-alive): each still gets a header for itself
		// alone (sig checks), and so does a connection seen before the burst.
		for n := range 600 {
			sig(strconv.Itoa(1000 + n))
		}
		sig("7")
	})
}

// On nginx there is no identity property (ngx_wasm_module answers "not found" to its set and get;
// the nginx profile reproduces it, harness TestNginxProfile_IdentityPropertyRefused): a producer
// hands off by signed header alone, without a proxy_set_property call, and a consumer takes the
// signed header without a proxy_get_property call for the property.
func TestNginxNoIdentityProperty(t *testing.T) {
	key := strings.Repeat("k", 32)
	opts := probeOptions(harness.Options{Profile: harness.Nginx, Env: map[string]string{identity.KeyEnv: key}})
	nginx := `"host":{"kind":"nginx"},`
	calls := func(h *harness.Host, name string) int { return h.StrictStats().Calls["proxy_on_request_headers"][name] } // shared VM

	h := harness.MustStart(t, harness.Strict, probe.Definition, probeConfig(nginx, `{"role":"producer"}`), opts)
	before := calls(h, "proxy_set_property")
	res := h.Do(probeReq("identity"))
	v, signed := res.Forwarded.Header(identity.HeaderName)
	require.True(t, signed, "handed off by header")
	id, err := identity.Verify(v, []byte(key), h.Now(), "")
	require.NoError(t, err)
	assert.Equal(t, "alice", id.Subject)
	assert.Equal(t, before, calls(h, "proxy_set_property"), "no property set")
	h.Close()

	h = harness.MustStart(t, harness.Strict, probe.Definition, probeConfig(nginx, `{"role":"consumer"}`), opts)
	bob, err := identity.Sign(&policy.Identity{Subject: "bob"}, []byte(key), h.Now(), "")
	require.NoError(t, err)
	got, _ := h.Do(harness.Request{Headers: [][2]string{{identity.HeaderName, bob}}}).Forwarded.Header("x-probe-subject")
	assert.Equal(t, "bob", got, "the signed header is the channel")
	reads := func(h *harness.Host) int {
		before := calls(h, "proxy_get_property")
		h.Do(harness.Request{})
		return calls(h, "proxy_get_property") - before
	}
	consumerReads := reads(h)
	h.Close()
	h = harness.MustStart(t, harness.Strict, probe.Definition, probeConfig(nginx, `{}`), opts)
	defer h.Close()
	assert.Equal(t, reads(h), consumerReads, "without a header a consumer reads no more properties than a plugin taking no identity")
}
