package identity_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/shared/identity"
	"github.com/wasmward/wasmward/shared/policy"
)

var (
	key  = []byte(strings.Repeat("k", 32))
	now  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	conn = "4711" // the connection id the header is bound to
	id   = &policy.Identity{Subject: "alice", Issuer: "https://issuer", Scopes: []string{"read"}, Claims: []byte(`{"sub":"alice"}`)}
)

func TestSignVerifyRoundTrip(t *testing.T) {
	v, err := identity.Sign(id, key, now, conn)
	require.NoError(t, err)
	got, err := identity.Verify(v, key, now.Add(5*time.Second), conn)
	require.NoError(t, err)
	assert.Equal(t, id, got)
}

func TestVerifyRejects(t *testing.T) {
	signed, err := identity.Sign(id, key, now, conn)
	require.NoError(t, err)
	other := []byte(strings.Repeat("o", 32))
	otherSigned, _ := identity.Sign(id, other, now, conn)
	parts := strings.Split(signed, ".")
	forgedPayload := parts[0] + "." + parts[1] + ".eyJzdWIiOiJldmUifQ." + parts[3]
	cases := []struct {
		name    string
		value   string
		at      time.Time
		binding string
		want    error
	}{
		{"signed with another key", otherSigned, now, conn, identity.ErrSignature},
		{"payload swapped", forgedPayload, now, conn, identity.ErrSignature},
		{"too old", signed, now.Add(identity.MaxAge + time.Second), conn, identity.ErrExpired},
		{"from the future", signed, now.Add(-time.Minute), conn, identity.ErrExpired},
		{"no signature", "v1.0.e30", now, conn, identity.ErrSignature},
		{"wrong version", "v2" + signed[2:], now, conn, identity.ErrMalformed},
		{"empty", "", now, conn, identity.ErrMalformed},
		{"huge", "v1." + strings.Repeat("a", 3*identity.MaxSize), now, conn, identity.ErrMalformed},
		{"replayed on another connection", signed, now, "4712", identity.ErrSignature},
		{"replayed without a connection", signed, now, "", identity.ErrSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := identity.Verify(c.value, key, c.at, c.binding)
			assert.True(t, errors.Is(err, c.want), "got %v, want %v", err, c.want)
			// A Verifier that has just verified signed (so remembers its signed part) rejects
			// the same way: nothing it remembers vouches for another value's MAC or age.
			v := primedVerifier(t, signed)
			_, err = v.Verify(c.value, c.at, c.binding)
			assert.True(t, errors.Is(err, c.want), "primed Verifier: got %v, want %v", err, c.want)
		})
	}
}

// primedVerifier is a Verifier for key that has verified signed on conn at now.
func primedVerifier(t testing.TB, signed string) *identity.Verifier {
	t.Helper()
	v, err := identity.NewVerifier(key)
	require.NoError(t, err)
	if _, err := v.Verify(signed, now, conn); err != nil {
		t.Fatalf("priming: %v", err)
	}
	return v
}

// TestSealerIsSign: a Sealer's value for each binding is Sign's for the same identity, key,
// time and binding, and verifies for that binding only.
func TestSealerIsSign(t *testing.T) {
	b, err := identity.Marshal(id)
	require.NoError(t, err)
	s, err := identity.NewSealer(b, key, now)
	require.NoError(t, err)
	for _, binding := range []string{"", "1", conn, "4712", strings.Repeat("9", 200)} {
		want, err := identity.Sign(id, key, now, binding)
		require.NoError(t, err)
		assert.Equal(t, want, s.Seal(binding), "binding %q", binding)
		_, err = identity.Verify(s.Seal(binding), key, now, binding+"0")
		assert.ErrorIs(t, err, identity.ErrSignature, "binding %q verified for another binding", binding)
	}
	_, err = identity.NewSealer(b, []byte("short"), now)
	assert.ErrorIs(t, err, identity.ErrWeakKey)
	_, err = identity.NewSealer(make([]byte, identity.MaxSize+1), key, now)
	assert.Error(t, err)
}

// TestVerifierAcrossConnections: the values one Sealer makes for several connections verify on
// their own connections through one Verifier, which returns the identity it decoded first for
// the others; a value moved to another connection, or too old, is refused on the remembered
// path too, and a value that fails does not displace what the Verifier remembers.
func TestVerifierAcrossConnections(t *testing.T) {
	b, err := identity.Marshal(id)
	require.NoError(t, err)
	s, err := identity.NewSealer(b, key, now)
	require.NoError(t, err)
	v, err := identity.NewVerifier(key)
	require.NoError(t, err)
	first, err := v.Verify(s.Seal("1"), now, "1")
	require.NoError(t, err)
	assert.Equal(t, id, first)
	for _, c := range []string{"2", "3", "1"} {
		got, err := v.Verify(s.Seal(c), now, c)
		require.NoError(t, err, "connection %s", c)
		assert.Same(t, first, got, "connection %s: the remembered identity", c)
	}
	_, err = v.Verify(s.Seal("2"), now, "3")
	assert.ErrorIs(t, err, identity.ErrSignature, "moved to another connection")
	_, err = v.Verify(s.Seal("2"), now.Add(identity.MaxAge+time.Second), "2")
	assert.ErrorIs(t, err, identity.ErrExpired)
	other, _ := identity.Sign(&policy.Identity{Subject: "eve"}, []byte(strings.Repeat("o", 32)), now, "2")
	_, err = v.Verify(other, now, "2")
	assert.ErrorIs(t, err, identity.ErrSignature, "another key's value")
	got, err := v.Verify(s.Seal("4"), now, "4")
	require.NoError(t, err)
	assert.Same(t, first, got, "still remembered after the failures")

	// A new signing second is a new signed part: decoded again, then remembered.
	s2, err := identity.NewSealer(b, key, now.Add(time.Second))
	require.NoError(t, err)
	second, err := v.Verify(s2.Seal("1"), now.Add(time.Second), "1")
	require.NoError(t, err)
	assert.NotSame(t, first, second)
	assert.Equal(t, id, second)
}

func TestWeakKeysRefused(t *testing.T) {
	_, err := identity.Sign(id, []byte("short"), now, conn)
	assert.ErrorIs(t, err, identity.ErrWeakKey)
	_, err = identity.Verify("v1.0.e30.x", []byte("short"), now, conn)
	assert.ErrorIs(t, err, identity.ErrWeakKey)
}

func FuzzVerify(f *testing.F) {
	signed, _ := identity.Sign(id, key, now, conn)
	f.Add(signed)
	f.Add("v1.1.e30.AAAA")
	f.Fuzz(func(t *testing.T, v string) {
		got, err := identity.Verify(v, key, now, conn)
		if err == nil && got == nil {
			t.Fatal("nil identity without error")
		}
		// A Verifier remembering a valid value answers every input as Verify does.
		vf := primedVerifier(t, signed)
		got2, err2 := vf.Verify(v, now, conn)
		if (err == nil) != (err2 == nil) || (err != nil && !errors.Is(err2, err)) {
			t.Fatalf("Verify: %v; primed Verifier: %v", err, err2)
		}
		if err == nil {
			assert.Equal(t, got, got2)
		}
	})
}

func TestUnmarshalIsStrictAboutTypes(t *testing.T) {
	b, err := identity.Marshal(id)
	require.NoError(t, err)
	got, err := identity.Unmarshal(b)
	require.NoError(t, err)
	assert.Equal(t, id, got)
	for _, bad := range []string{``, `[]`, `"x"`, `{"sub":1}`, `{"scopes":"read"}`, `{"scopes":[1]}`, `{"claims":[]}`, `{"sub":"a"`} {
		_, err := identity.Unmarshal([]byte(bad))
		assert.ErrorIs(t, err, identity.ErrMalformed, bad)
	}
}
