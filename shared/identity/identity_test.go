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
		})
	}
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
