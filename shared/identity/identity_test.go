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
	key = []byte(strings.Repeat("k", 32))
	now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	id  = &policy.Identity{Subject: "alice", Issuer: "https://issuer", Scopes: []string{"read"}, Claims: []byte(`{"sub":"alice"}`)}
)

func TestSignVerifyRoundTrip(t *testing.T) {
	v, err := identity.Sign(id, key, now)
	require.NoError(t, err)
	got, err := identity.Verify(v, key, now.Add(30*time.Second))
	require.NoError(t, err)
	assert.Equal(t, id, got)
}

func TestVerifyRejects(t *testing.T) {
	signed, err := identity.Sign(id, key, now)
	require.NoError(t, err)
	other := []byte(strings.Repeat("o", 32))
	otherSigned, _ := identity.Sign(id, other, now)
	parts := strings.Split(signed, ".")
	forgedPayload := parts[0] + "." + parts[1] + ".eyJzdWIiOiJldmUifQ." + parts[3]
	cases := []struct {
		name  string
		value string
		at    time.Time
		want  error
	}{
		{"signed with another key", otherSigned, now, identity.ErrSignature},
		{"payload swapped", forgedPayload, now, identity.ErrSignature},
		{"too old", signed, now.Add(identity.MaxAge + time.Second), identity.ErrExpired},
		{"from the future", signed, now.Add(-time.Minute), identity.ErrExpired},
		{"no signature", "v1.0.e30", now, identity.ErrSignature},
		{"wrong version", "v2" + signed[2:], now, identity.ErrMalformed},
		{"empty", "", now, identity.ErrMalformed},
		{"huge", "v1." + strings.Repeat("a", 3*identity.MaxSize), now, identity.ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := identity.Verify(c.value, key, c.at)
			assert.True(t, errors.Is(err, c.want), "got %v, want %v", err, c.want)
		})
	}
}

func TestWeakKeysRefused(t *testing.T) {
	_, err := identity.Sign(id, []byte("short"), now)
	assert.ErrorIs(t, err, identity.ErrWeakKey)
	_, err = identity.Verify("v1.0.e30.x", []byte("short"), now)
	assert.ErrorIs(t, err, identity.ErrWeakKey)
}

func FuzzVerify(f *testing.F) {
	signed, _ := identity.Sign(id, key, now)
	f.Add(signed)
	f.Add("v1.1.e30.AAAA")
	f.Fuzz(func(t *testing.T, v string) {
		got, err := identity.Verify(v, key, now)
		if err == nil && got == nil {
			t.Fatal("nil identity without error")
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
