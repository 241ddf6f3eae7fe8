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
	"hash"
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

var errTooLarge = errors.New("identity handoff: identity larger than 16 KiB")

// Marshal encodes id for the property channel.
func Marshal(id *policy.Identity) ([]byte, error) {
	b, err := json.Marshal(id)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxSize {
		return nil, errTooLarge
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
// (the request's connection id) is not in the header: Verify needs the same one. A producer
// signing one identity for many connections uses a Sealer.
func Sign(id *policy.Identity, key []byte, now time.Time, binding string) (string, error) {
	b, err := Marshal(id)
	if err != nil {
		return "", err
	}
	s, err := NewSealer(b, key, now)
	if err != nil {
		return "", err
	}
	return s.Seal(binding), nil
}

// Sealer signs one encoded identity at one signing time for any number of bindings. The
// payload's encoding and the HMAC over the signed part are computed once, by NewSealer; Seal
// then hashes only the binding and finishes the HMAC (about three SHA-256 blocks, where the
// whole value is a dozen or more: a signature per connection was about 75 µs of Go on Wasm in
// nginx, most of it the JSON encoding and this hashing). Seal(binding) is the value Sign
// returns for the same identity, key, time and binding. Not safe for concurrent use.
type Sealer struct {
	signed string // "v1.<iat>.<payload>"
	key    []byte
	after  hash.Cloner // the HMAC's state after signed; nil when the hash cannot be cloned
}

// NewSealer prepares the signatures of encoded (Marshal's output) made at now with key.
func NewSealer(encoded, key []byte, now time.Time) (*Sealer, error) {
	if len(key) < MinKeyLen {
		return nil, ErrWeakKey
	}
	if len(encoded) > MaxSize {
		return nil, errTooLarge
	}
	s := &Sealer{key: key,
		signed: "v1." + strconv.FormatInt(now.Unix(), 10) + "." + base64.RawURLEncoding.EncodeToString(encoded)}
	s.after = macState(key, s.signed)
	return s, nil
}

// Seal returns the header value bound to binding.
func (s *Sealer) Seal(binding string) string {
	return s.signed + "." + base64.RawURLEncoding.EncodeToString(finishMAC(s.after, s.key, s.signed, binding))
}

// Verify checks a header-channel value signed for binding and returns the identity it carries.
// A consumer verifying values on many connections uses a Verifier.
func Verify(value string, key []byte, now time.Time, binding string) (*policy.Identity, error) {
	return (&Verifier{key: key}).Verify(value, now, binding)
}

// Verifier verifies header-channel values signed with one key. It remembers the signed part
// ("v1.<iat>.<payload>") of the last value that verified, with the HMAC's state after it and
// the identity it carried: the producer signs one identity once a second for every connection
// (Sealer), so the values of other connections differ from it only in their MAC, which is then
// checked by hashing the binding alone, and the payload is not decoded again. Each value's MAC
// is checked in full either way (a remembered signed part never vouches for a MAC), and its
// age against now. The identity returned for a remembered signed part is the one returned
// before: read-only, as identities are. Not safe for concurrent use.
type Verifier struct {
	key  []byte
	last struct {
		signed string
		after  hash.Cloner
		id     *policy.Identity
		iat    int64
	}
}

// NewVerifier returns a Verifier for key.
func NewVerifier(key []byte) (*Verifier, error) {
	if len(key) < MinKeyLen {
		return nil, ErrWeakKey
	}
	return &Verifier{key: key}, nil
}

// Verify is the package's Verify with v's key.
func (v *Verifier) Verify(value string, now time.Time, binding string) (*policy.Identity, error) {
	if len(v.key) < MinKeyLen {
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
	if err != nil {
		return nil, ErrSignature
	}
	last := &v.last
	if last.id != nil && signed == last.signed {
		if !hmac.Equal(got, finishMAC(last.after, v.key, signed, binding)) {
			return nil, ErrSignature
		}
		if !fresh(last.iat, now) {
			return nil, ErrExpired
		}
		return last.id, nil
	}
	after := macState(v.key, signed)
	if !hmac.Equal(got, finishMAC(after, v.key, signed, binding)) {
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
	if !fresh(iat, now) {
		return nil, ErrExpired
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	if err != nil {
		return nil, ErrMalformed
	}
	id, err := Unmarshal(payload)
	if err != nil {
		return nil, err
	}
	// A copy: value may share a buffer of the caller's (a host's header map) that the Verifier
	// would otherwise keep alive.
	last.signed, last.after, last.id, last.iat = strings.Clone(signed), after, id, iat
	return id, nil
}

// fresh reports whether a value signed at iat (Unix seconds) is usable at now: at most MaxAge
// old, at most 5 s from the future (clocks of one machine's processes).
func fresh(iat int64, now time.Time) bool {
	age := now.Unix() - iat
	return age >= -5 && age <= int64(MaxAge/time.Second)
}

// macState returns the HMAC-SHA256 state after signed, to finish for each binding (finishMAC);
// nil when the hash cannot be cloned (finishMAC then hashes everything).
func macState(key []byte, signed string) hash.Cloner {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(signed))
	c, _ := h.(hash.Cloner)
	return c
}

// finishMAC is mac(key, signed, binding) from the state after signed.
func finishMAC(after hash.Cloner, key []byte, signed, binding string) []byte {
	if after == nil {
		return mac(key, signed, binding)
	}
	c, err := after.Clone()
	if err != nil {
		return mac(key, signed, binding)
	}
	c.Write([]byte{0})
	c.Write([]byte(binding))
	return c.Sum(nil)
}

func mac(key []byte, msg, binding string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	h.Write([]byte{0})
	h.Write([]byte(binding))
	return h.Sum(nil)
}
