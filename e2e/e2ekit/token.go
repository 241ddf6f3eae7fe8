// Package e2ekit is shared by the e2e JWKS server and the e2e test driver: the identity
// provider's fixed test key and a token minter. The key is derived from a constant seed so that
// both sides agree without exchanging anything; it protects nothing and must never be used
// outside the e2e scenarios.
package e2ekit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"time"
)

// Identity provider settings, matching plugins/jwtauthn/testdata/valid/full.json's "corp"
// provider: its discovery and JWKS are served by the e2e JWKS server behind the "idp" cluster.
const (
	Issuer   = "https://idp.example.com"
	Audience = "orders"
	KeyID    = "e2e-ed25519"
	// JWKSPath and DiscoveryPath are what the JWKS server serves.
	JWKSPath      = "/.well-known/jwks.json"
	DiscoveryPath = "/.well-known/openid-configuration"
)

// key is the provider's Ed25519 key, derived from a fixed seed (e2e only).
var key = ed25519.NewKeyFromSeed(seed())

func seed() []byte {
	s := sha256.Sum256([]byte("wasmward e2e identity provider key; not a secret"))
	return s[:]
}

var b64 = base64.RawURLEncoding

// JWKS is the provider's public key set.
func JWKS() []byte {
	pub := key.Public().(ed25519.PublicKey)
	b, _ := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": KeyID, "x": b64.EncodeToString(pub),
	}}})
	return b
}

// Discovery is the provider's OpenID configuration.
func Discovery() []byte {
	b, _ := json.Marshal(map[string]string{"issuer": Issuer, "jwks_uri": Issuer + JWKSPath})
	return b
}

// Mint returns an EdDSA JWT for subject with the given scopes, valid from now for ttl.
func Mint(subject string, scopes string, now time.Time, ttl time.Duration) string {
	header, _ := json.Marshal(map[string]string{"alg": "EdDSA", "typ": "JWT", "kid": KeyID})
	claims, _ := json.Marshal(map[string]any{
		"iss": Issuer, "aud": Audience, "sub": subject, "scope": scopes,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(ttl).Unix(),
	})
	signing := b64.EncodeToString(header) + "." + b64.EncodeToString(claims)
	return signing + "." + b64.EncodeToString(ed25519.Sign(key, []byte(signing)))
}
