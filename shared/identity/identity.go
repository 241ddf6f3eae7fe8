// Package identity is the identity handoff contract: how a verified identity (policy.Identity)
// travels from the authenticating plugin (jwtauthn) to the plugins after it (rbac, ratelimit).
// Pure Go; the glue moves the bytes. docs/identity-handoff.md is the user-facing description.
//
// Three channels, tried in this order by a consumer:
//
//  1. In one VM (plugins/chain): the identity is passed in memory, nothing is serialized.
//  2. Across filters on a host with filter state (Envoy): the producer sets the property
//     PropertyName to Marshal(identity); consumers read it back. A client cannot set properties.
//  3. Elsewhere (ngx_wasm_module), only when the operator sets the environment variable KeyEnv
//     (at least 32 bytes) in every wasmward VM: the producer adds the header HeaderName carrying
//     Sign(identity); consumers accept it only if its HMAC-SHA256 verifies, it is at most MaxAge
//     old, and it was signed for this request's connection (the binding: the host's
//     connection.id, which a client cannot choose), so a header captured elsewhere (an upstream
//     log) cannot be replayed on another connection. The producer strips any incoming HeaderName
//     before it runs, always; a consumer without the key ignores the header, so a spoofed header
//     is never trusted.
package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/wasmward/wasmward/shared/policy"
)

const (
	// PropertyName is the host property (Envoy filter state "wasm.wasmward.identity").
	PropertyName = "wasmward.identity"
	// HeaderName is the signed handoff header.
	HeaderName = "x-wasmward-identity"
	// KeyEnv names the environment variable holding the header channel's HMAC key.
	KeyEnv = "WASMWARD_HANDOFF_KEY"
	// MinKeyLen is the shortest key accepted, in bytes.
	MinKeyLen = 32
	// MaxAge bounds how old a signed header may be: it only has to cross one proxy's filters.
	MaxAge = 10 * time.Second
	// MaxSize bounds an encoded identity; larger ones are not handed off.
	MaxSize = 16 << 10
)

// Sentinel errors, checked with errors.Is.
var (
	ErrMalformed = errors.New("identity handoff: malformed")
	ErrSignature = errors.New("identity handoff: bad signature")
	ErrExpired   = errors.New("identity handoff: too old or from the future")
	ErrWeakKey   = errors.New("identity handoff: key shorter than 32 bytes")
)

// Marshal encodes id for the property channel.
func Marshal(id *policy.Identity) ([]byte, error) {
	b, err := json.Marshal(id)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxSize {
		return nil, errors.New("identity handoff: identity larger than 16 KiB")
	}
	return b, nil
}

// Unmarshal decodes a property-channel value. Consumers run it on every request, so it reads
// the five members with gjson after one validity check instead of reflection-based decoding
// (about 20 µs per request in wasm otherwise). Claims is kept raw, as Marshal wrote it.
func Unmarshal(b []byte) (*policy.Identity, error) {
	if len(b) == 0 || len(b) > MaxSize || !gjson.ValidBytes(b) {
		return nil, ErrMalformed
	}
	root := gjson.ParseBytes(b)
	if !root.IsObject() {
		return nil, ErrMalformed
	}
	id := &policy.Identity{}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"sub", &id.Subject}, {"iss", &id.Issuer}, {"provider", &id.Provider}} {
		switch v := root.Get(f.name); v.Type {
		case gjson.String:
			*f.dst = v.Str
		case gjson.Null:
		default:
			return nil, ErrMalformed
		}
	}
	if scopes := root.Get("scopes"); scopes.Exists() {
		if !scopes.IsArray() {
			return nil, ErrMalformed
		}
		for _, s := range scopes.Array() {
			if s.Type != gjson.String {
				return nil, ErrMalformed
			}
			id.Scopes = append(id.Scopes, s.Str)
		}
	}
	if claims := root.Get("claims"); claims.Exists() {
		if !claims.IsObject() {
			return nil, ErrMalformed
		}
		id.Claims = json.RawMessage(claims.Raw)
	}
	return id, nil
}

// Sign encodes id for the header channel: "v1.<iat>.<payload>.<mac>", payload and mac in
// unpadded base64url, mac = HMAC-SHA256(key, "v1.<iat>.<payload>" NUL binding). The binding
// (the request's connection id) is not in the header: Verify needs the same one.
func Sign(id *policy.Identity, key []byte, now time.Time, binding string) (string, error) {
	if len(key) < MinKeyLen {
		return "", ErrWeakKey
	}
	b, err := Marshal(id)
	if err != nil {
		return "", err
	}
	signed := "v1." + strconv.FormatInt(now.Unix(), 10) + "." + base64.RawURLEncoding.EncodeToString(b)
	return signed + "." + base64.RawURLEncoding.EncodeToString(mac(key, signed, binding)), nil
}

// Verify checks a header-channel value signed for binding and returns the identity it carries.
func Verify(value string, key []byte, now time.Time, binding string) (*policy.Identity, error) {
	if len(key) < MinKeyLen {
		return nil, ErrWeakKey
	}
	if len(value) > 2*MaxSize {
		return nil, ErrMalformed
	}
	dot := strings.LastIndexByte(value, '.')
	if dot < 0 || !strings.HasPrefix(value, "v1.") {
		return nil, ErrMalformed
	}
	signed, sig := value[:dot], value[dot+1:]
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac(key, signed, binding)) {
		return nil, ErrSignature
	}
	parts := strings.SplitN(signed, ".", 3)
	if len(parts) != 3 {
		return nil, ErrMalformed
	}
	iat, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return nil, ErrMalformed
	}
	if age := now.Unix() - iat; age < -5 || age > int64(MaxAge/time.Second) {
		return nil, ErrExpired
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	if err != nil {
		return nil, ErrMalformed
	}
	return Unmarshal(payload)
}

func mac(key []byte, msg, binding string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	h.Write([]byte{0})
	h.Write([]byte(binding))
	return h.Sum(nil)
}
