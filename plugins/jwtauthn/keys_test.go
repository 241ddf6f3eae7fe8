package jwtauthn

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"strings"
	"sync"
	"testing"
)

// testKey signs test tokens. Keys are deterministic: EC and Ed25519 from fixed seeds, RSA from
// testdata/keys/rsa-2048.pem, HMAC from a fixed secret. Signing may use crypto/rand (tests only).
type testKey struct {
	kid, alg string
	jwk      map[string]any // the public JWK (or the oct JWK)
	sign     func(input []byte) []byte
}

var b64 = base64.RawURLEncoding

func seedBytes(seed string, n int) []byte {
	var out []byte
	for i := 0; len(out) < n; i++ {
		sum := sha512.Sum512([]byte(seed + string(rune('0'+i))))
		out = append(out, sum[:]...)
	}
	return out[:n]
}

func edKey(kid, seed string) *testKey {
	priv := ed25519.NewKeyFromSeed(seedBytes(seed, 32))
	pub := priv.Public().(ed25519.PublicKey)
	return &testKey{kid: kid, alg: "EdDSA",
		jwk:  map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": b64.EncodeToString(pub)},
		sign: func(in []byte) []byte { return ed25519.Sign(priv, in) }}
}

func ecKey(kid, alg, seed string) *testKey {
	a := algorithms[alg]
	c := curves[a.curve]
	size := (c.Params().BitSize + 7) / 8
	d := seedBytes(seed, size)
	d[0] &= 0x7f >> (8*size - c.Params().BitSize) // below the order's bit length
	if c == elliptic.P521() {
		d[0] &= 1
	}
	priv, err := ecdsa.ParseRawPrivateKey(c, d)
	if err != nil {
		panic(err)
	}
	pubBytes, _ := priv.PublicKey.Bytes()
	return &testKey{kid: kid, alg: alg,
		jwk: map[string]any{"kty": "EC", "crv": a.curve, "kid": kid,
			"x": b64.EncodeToString(pubBytes[1 : 1+size]), "y": b64.EncodeToString(pubBytes[1+size:])},
		sign: func(in []byte) []byte {
			h := a.hash.New()
			h.Write(in)
			r, s, err := ecdsa.Sign(rand.Reader, priv, h.Sum(nil))
			if err != nil {
				panic(err)
			}
			sig := make([]byte, 2*size)
			r.FillBytes(sig[:size])
			s.FillBytes(sig[size:])
			return sig
		}}
}

var loadRSA = sync.OnceValue(func() *rsa.PrivateKey {
	data, err := os.ReadFile("testdata/keys/rsa-2048.pem")
	if err != nil {
		panic(err)
	}
	block, _ := pem.Decode(data)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		panic(err)
	}
	return k.(*rsa.PrivateKey)
})

func rsaJWK(kid string, pub *rsa.PublicKey) map[string]any {
	return map[string]any{"kty": "RSA", "kid": kid, "n": b64.EncodeToString(pub.N.Bytes()),
		"e": b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes())}
}

func rsaKey(kid, alg string) *testKey {
	priv := loadRSA()
	a := algorithms[alg]
	return &testKey{kid: kid, alg: alg, jwk: rsaJWK(kid, &priv.PublicKey),
		sign: func(in []byte) []byte {
			h := a.hash.New()
			h.Write(in)
			var sig []byte
			var err error
			if a.pss {
				sig, err = rsa.SignPSS(rand.Reader, priv, a.hash, h.Sum(nil), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
			} else {
				sig, err = rsa.SignPKCS1v15(nil, priv, a.hash, h.Sum(nil))
			}
			if err != nil {
				panic(err)
			}
			return sig
		}}
}

// testSecret is the HMAC test secret (64 bytes: long enough for HS512).
var testSecret = strings.Repeat("s3cr3t-hmac-test-key-", 4)[:64]

func hsKey(kid, alg string) *testKey {
	a := algorithms[alg]
	return &testKey{kid: kid, alg: alg,
		jwk: map[string]any{"kty": "oct", "kid": kid, "k": b64.EncodeToString([]byte(testSecret))},
		sign: func(in []byte) []byte {
			m := hmac.New(a.hash.New, []byte(testSecret))
			m.Write(in)
			return m.Sum(nil)
		}}
}

// keyFor returns a test key for any supported algorithm.
func keyFor(alg string) *testKey {
	kid := "k-" + strings.ToLower(alg)
	switch a := algorithms[alg]; a.kty {
	case ktyRSA:
		return rsaKey(kid, alg)
	case ktyEC:
		return ecKey(kid, alg, "ec-"+alg)
	case ktyOKP:
		return edKey(kid, "ed")
	default:
		return hsKey(kid, alg)
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// signRaw signs a header and payload given as raw JSON text.
func (k *testKey) signRaw(header, payload string) string {
	in := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	return in + "." + b64.EncodeToString(k.sign([]byte(in)))
}

// token signs claims with the key's alg and kid.
func (k *testKey) token(claims map[string]any) string {
	return k.signRaw(string(mustJSON(map[string]any{"alg": k.alg, "kid": k.kid, "typ": "JWT"})), string(mustJSON(claims)))
}

// jwksOf renders a JWK set.
func jwksOf(keys ...*testKey) string {
	list := make([]map[string]any, len(keys))
	for i, k := range keys {
		list[i] = k.jwk
	}
	return string(mustJSON(map[string]any{"keys": list}))
}

// Standard test claims: issuer, audience, and a validity window around the fake clock.
const (
	testIssuer   = "https://idp.example.com"
	testAudience = "api"
)

// claimsAt returns valid claims for a token issued at unix time iat, valid one hour.
func claimsAt(iat int64, extra ...any) map[string]any {
	c := map[string]any{"iss": testIssuer, "aud": testAudience, "sub": "alice", "iat": iat, "exp": iat + 3600,
		"scope": "read write"}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == nil {
			delete(c, extra[i].(string))
			continue
		}
		c[extra[i].(string)] = extra[i+1]
	}
	return c
}

func TestKeysAreDeterministic(t *testing.T) {
	if edKey("a", "x").jwk["x"] != edKey("a", "x").jwk["x"] || ecKey("a", "ES384", "x").jwk["y"] != ecKey("a", "ES384", "x").jwk["y"] {
		t.Fatal("test keys must not change between runs")
	}
}

// hsSign MACs with an arbitrary secret (for forgeries).
func hsSign(secret []byte) func([]byte) []byte {
	return func(in []byte) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write(in)
		return m.Sum(nil)
	}
}
