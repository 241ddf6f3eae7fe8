package jwtauthn

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"
)

// TestPitfalls checks every point of the "Algorithms" section against the request path.
func TestPitfalls(t *testing.T) {
	pol, host := start(t, mainSpec(""))
	es := keyFor("ES256")
	ed := keyFor("EdDSA")
	rs := keyFor("RS256")
	valid := claimsAt(now())
	validJSON := string(mustJSON(valid))
	attacker := ecKey("attacker", "ES256", "attacker-seed")
	// A DER (ASN.1) ECDSA signature instead of raw R||S.
	der := func() string {
		raw, _ := b64.DecodeString(strings.Split(es.token(valid), ".")[2])
		d, _ := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:32]), new(big.Int).SetBytes(raw[32:])})
		return b64.EncodeToString(d)
	}()
	good := es.token(valid)
	sig := strings.Split(good, ".")[2]

	for _, tc := range []struct {
		name, token, reason string
	}{
		{"valid token accepted", good, ""},
		// alg none, in any letter case, signed or not.
		{"alg none rejected", es.signRaw(`{"alg":"none","kid":"k-es256"}`, validJSON), reasonBadAlgorithm},
		{"alg None rejected", tamper(es.signRaw(`{"alg":"None"}`, validJSON), 2, ""), reasonBadAlgorithm},
		{"alg NONE rejected", es.signRaw(`{"alg":"NONE","kid":"k-es256"}`, validJSON), reasonBadAlgorithm},
		{"alg nOnE rejected", es.signRaw(`{"alg":"nOnE"}`, validJSON), reasonBadAlgorithm},
		{"alg in wrong case rejected", es.signRaw(`{"alg":"es256","kid":"k-es256"}`, validJSON), reasonBadAlgorithm},
		{"alg not allowed by provider rejected", hsKey("k-es256", "HS256").token(valid), reasonBadAlgorithm},
		// The key decides: alg, kty and crv come from the key.
		{"key's curve decides (P-256 key, ES384 header)", ecKey("k-es256", "ES384", "ec-ES256").token(valid), reasonBadAlgorithm},
		{"key's kty decides (EC kid, RS256 header)", rsaKey("k-es256", "RS256").token(valid), reasonBadAlgorithm},
		{"RSA key without alg accepts PS256 too", rsaKey("k-rs256", "PS256").token(valid), ""},
		{"EdDSA token under an EC kid rejected", edKey("k-es256", "ed").token(valid), reasonBadAlgorithm},
		// Header keys are never used to find keys.
		{"embedded jwk ignored", attacker.signRaw(string(mustJSON(map[string]any{"alg": "ES256", "kid": "attacker", "jwk": attacker.jwk})), validJSON), reasonUnknownKid},
		{"embedded jwk with a known kid fails the signature", attacker.signRaw(string(mustJSON(map[string]any{"alg": "ES256", "kid": "k-es256", "jwk": attacker.jwk})), validJSON), reasonBadSignature},
		{"jku ignored", attacker.signRaw(`{"alg":"ES256","kid":"attacker","jku":"https://evil.example/jwks"}`, validJSON), reasonUnknownKid},
		{"x5u ignored", attacker.signRaw(`{"alg":"ES256","kid":"k-es256","x5u":"https://evil.example/cert"}`, validJSON), reasonBadSignature},
		{"x5c ignored", attacker.signRaw(`{"alg":"ES256","kid":"k-es256","x5c":["MIIB"]}`, validJSON), reasonBadSignature},
		// crit.
		{"unknown crit rejected", es.signRaw(`{"alg":"ES256","kid":"k-es256","crit":["exp"],"exp":1}`, validJSON), reasonBadHeader},
		{"empty crit rejected", es.signRaw(`{"alg":"ES256","kid":"k-es256","crit":[]}`, validJSON), reasonBadHeader},
		{"b64 header rejected", es.signRaw(`{"alg":"ES256","kid":"k-es256","b64":false}`, validJSON), reasonBadHeader},
		// Duplicate JSON members.
		{"duplicate alg in header rejected", es.signRaw(`{"alg":"ES256","kid":"k-es256","alg":"none"}`, validJSON), reasonMalformed},
		{"duplicate kid in header rejected", es.signRaw(`{"alg":"ES256","kid":"k-es256","kid":"k-es256"}`, validJSON), reasonMalformed},
		{"duplicate sub in payload rejected", es.signRaw(`{"alg":"ES256","kid":"k-es256"}`, strings.Replace(validJSON, `"sub":"alice"`, `"sub":"alice","sub":"root"`, 1)), reasonMalformed},
		{"duplicate nested member rejected", es.signRaw(`{"alg":"ES256","kid":"k-es256"}`, strings.Replace(validJSON, `"sub":"alice"`, `"sub":"alice","x":{"a":1,"a":2}`, 1)), reasonMalformed},
		{"case variants are distinct members (ALG ignored)", es.signRaw(`{"alg":"ES256","kid":"k-es256","ALG":"none"}`, validJSON), ""},
		// Non-canonical base64url.
		{"padding rejected", good + "=", reasonMalformed},
		{"padded header rejected", tamper(good, 0, strings.Split(good, ".")[0]+"=="), reasonMalformed},
		{"standard alphabet (+) rejected", tamper(good, 2, sig[:5]+"+"+sig[6:]), reasonMalformed},
		{"standard alphabet (/) rejected", tamper(good, 2, sig[:5]+"/"+sig[6:]), reasonMalformed},
		{"line break rejected", tamper(good, 2, sig[:10]+"\n"+sig[10:]), reasonMalformed},
		{"space rejected", tamper(good, 2, sig[:10]+" "+sig[10:]), reasonMalformed},
		{"non-zero unused bits rejected", tamper(good, 2, sig[:len(sig)-1]+nextChar(sig[len(sig)-1])), reasonMalformed},
		// Trailing data and shape.
		{"trailing data after header JSON rejected", es.signRaw(`{"alg":"ES256","kid":"k-es256"} x`, validJSON), reasonMalformed},
		{"second JSON value after payload rejected", es.signRaw(`{"alg":"ES256","kid":"k-es256"}`, validJSON+`{}`), reasonMalformed},
		{"fourth segment rejected", good + ".x", reasonMalformed},
		{"JWE (five segments) rejected", "a.b.c.d.e", reasonMalformed},
		{"payload not an object rejected", es.signRaw(`{"alg":"ES256","kid":"k-es256"}`, `["a"]`), reasonMalformed},
		// ES signatures are raw R||S of the curve's size.
		{"DER ECDSA signature rejected", tamper(good, 2, der), reasonBadSignature},
		{"ECDSA signature one byte long rejected", tamper(good, 2, b64.EncodeToString(append(mustB64(sig), 0))), reasonBadSignature},
		{"ECDSA signature one byte short rejected", tamper(good, 2, b64.EncodeToString(mustB64(sig)[1:])), reasonBadSignature},
		{"ES512 signature on a P-256 key rejected", tamper(es.signRaw(`{"alg":"ES256","kid":"k-es256"}`, validJSON), 2, b64.EncodeToString(make([]byte, 132))), reasonBadSignature},
		// exp, nbf, iat: numeric, without overflow.
		{"exp overflowing int64 rejected", es.token(claimsAt(now(), "exp", 9223372036854775807)), reasonMalformed},
		{"exp 1e300 rejected", es.signRaw(`{"alg":"ES256","kid":"k-es256"}`, strings.Replace(validJSON, `"exp":`, `"exp":1e300,"x":`, 1)), reasonMalformed},
		{"exp past year 9999 rejected", es.token(claimsAt(now(), "exp", int64(maxNumericDate+1))), reasonMalformed},
		{"exp as a string rejected", es.token(claimsAt(now(), "exp", "9999999999")), reasonMalformed},
		{"exp negative rejected", es.token(claimsAt(now(), "exp", -1)), reasonMalformed},
		{"exp null rejected", es.signRaw(`{"alg":"ES256","kid":"k-es256"}`, strings.Replace(validJSON, `"exp":`, `"exp":null,"x":`, 1)), reasonMalformed},
		{"nbf overflowing rejected", es.token(claimsAt(now(), "nbf", 1e20)), reasonMalformed},
		{"iat overflowing rejected", es.token(claimsAt(now(), "iat", 1e19)), reasonMalformed},
		{"fractional exp accepted", es.token(claimsAt(now(), "exp", float64(now())+100.5)), ""},
		{"exp missing rejected by default", es.token(claimsAt(now(), "exp", nil)), reasonMissingExp},
		// Cheap checks run before the signature math.
		{"expired with a bad signature reports expired", tamper(ed.token(claimsAt(now()-7200)), 2, b64.EncodeToString(make([]byte, 64))), reasonExpired},
		{"wrong issuer with a bad signature reports wrong_issuer", tamper(ed.token(claimsAt(now(), "iss", "https://evil")), 2, b64.EncodeToString(make([]byte, 64))), reasonWrongIssuer},
		{"unknown kid reported before the signature", tamper(edKey("nope", "ed").token(valid), 2, "AAAA"), reasonUnknownKid},
		{"oversized token rejected before parsing", strings.Repeat("A", defaultMaxTokenBytes+1), reasonTooLarge},
		// RSA.
		{"RS256 accepted", rs.token(valid), ""},
		{"RSA signature of the wrong length rejected", tamper(rs.token(valid), 2, b64.EncodeToString(make([]byte, 255))), reasonBadSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantReason(t, get(pol, "/api", bearer(tc.token)...), tc.reason)
		})
	}
	if len(host.Fetches) != 0 {
		t.Errorf("a token header made the plugin fetch: %+v", host.Fetches[0].Request)
	}
}

func mustB64(s string) []byte {
	b, err := b64.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// nextChar returns a base64url character with the same leading bits but different unused bits.
func nextChar(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	return string(alphabet[i^1])
}

// TestKeyRules checks that the key decides and that weak or wrong keys never load.
func TestKeyRules(t *testing.T) {
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ec := keyFor("ES256").jwk
	with := func(base map[string]any, kv ...any) string {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return string(mustJSON(map[string]any{"keys": []any{m}}))
	}
	for _, tc := range []struct {
		name, jwks, want string
	}{
		{"RSA under 2048 bits", string(mustJSON(map[string]any{"keys": []any{rsaJWK("weak", &weak.PublicKey)}})), "modulus of 1024 bits"},
		{"RSA exponent 1", with(rsaJWK("e1", &loadRSA().PublicKey), "e", "AQ"), "e must be odd"},
		{"use enc", with(ec, "use", "enc"), `use is not "sig"`},
		{"key_ops without verify", with(ec, "key_ops", []string{"sign"}), "key_ops"},
		{"key_ops duplicated", with(ec, "key_ops", []string{"verify", "verify"}), "key_ops"},
		{"alg not fitting the curve", with(ec, "alg", "ES384"), "alg does not fit"},
		{"alg not a JWA signature algorithm", with(ec, "alg", "ES521"), "alg does not fit"},
		{"alg none", with(ec, "alg", "none"), "alg does not fit"},
		{"point off the curve", with(ec, "y", ec["x"]), "not on the curve"},
		{"short coordinate", with(ec, "x", b64.EncodeToString(mustB64(ec["x"].(string))[1:])), "curve's size"},
		{"unknown kty", with(ec, "kty", "XYZ"), "unsupported kty"},
		{"Ed448", with(keyFor("EdDSA").jwk, "crv", "Ed448"), "Ed25519 only"},
		{"private key material", with(ec, "d", "AAAA"), "private key material"},
		{"oct key in a public set", with(hsKey("h", "HS256").jwk), "symmetric"},
		{"duplicate kid", string(mustJSON(map[string]any{"keys": []any{ec, ec}})), "share a kid"},
		{"duplicate member", `{"keys":[{"kty":"EC","kty":"EC"}]}`, "duplicate member"},
		{"non-canonical base64url", with(ec, "x", ec["x"].(string)+"="), "canonical base64url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := `{"providers":[{"id":"p","issuer":"i","audiences":["a"],"algorithms":["RS256","ES256","EdDSA"],"jwks":` + tc.jwks + `}],
				"rules":[{"id":"r","match":{},"requires":{"provider":"p"}}]}`
			_, err := Parse([]byte(spec))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error containing %q, got %v", tc.want, err)
			}
			if !strings.Contains(err.Error(), "providers[0].jwks") {
				t.Errorf("error does not name the field: %v", err)
			}
		})
	}
}

// TestKeyDecidesAlgorithmConfusion: an HS256 token MACed with an RSA key's public modulus, the
// classic confusion attack, fails even when the set holds only that RSA key.
func TestKeyDecidesAlgorithmConfusion(t *testing.T) {
	rs := keyFor("RS256")
	ks, _, err := parseJWKS([]byte(jwksOf(rs)), false)
	if err != nil {
		t.Fatal(err)
	}
	forged := (&testKey{kid: rs.kid, alg: "HS256", sign: hsSign(loadRSA().N.Bytes())}).token(claimsAt(now()))
	tok, err := parseToken(forged, defaultMaxTokenBytes, allAlgorithms)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ks.candidates(tok); err != errKeyMismatch {
		t.Fatalf("want errKeyMismatch, got %v", err)
	}
}
