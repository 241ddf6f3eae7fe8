package jwtauthn

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	_ "crypto/sha256" // registers SHA-256 for crypto.Hash
	_ "crypto/sha512" // registers SHA-384 and SHA-512
	"errors"
	"math/big"
)

// Key types (JWK "kty"; OKP is Ed25519 only).
const (
	ktyRSA = "RSA"
	ktyEC  = "EC"
	ktyOKP = "OKP"
	ktyOct = "oct"
)

// algorithm is one JWS algorithm this plugin verifies (RFC 7518 §3, RFC 8037).
type algorithm struct {
	name  string
	kty   string
	hash  crypto.Hash // zero for EdDSA
	pss   bool
	curve string // EC: the only curve allowed for this algorithm
	bit   algSet
}

// algSet is a set of algorithms, one bit each.
type algSet uint16

func (s algSet) has(a *algorithm) bool { return s&a.bit != 0 }

// algorithmList is every supported algorithm; "none" is deliberately absent.
var algorithmList = []*algorithm{
	{name: "RS256", kty: ktyRSA, hash: crypto.SHA256},
	{name: "RS384", kty: ktyRSA, hash: crypto.SHA384},
	{name: "RS512", kty: ktyRSA, hash: crypto.SHA512},
	{name: "PS256", kty: ktyRSA, hash: crypto.SHA256, pss: true},
	{name: "PS384", kty: ktyRSA, hash: crypto.SHA384, pss: true},
	{name: "PS512", kty: ktyRSA, hash: crypto.SHA512, pss: true},
	{name: "ES256", kty: ktyEC, hash: crypto.SHA256, curve: "P-256"},
	{name: "ES384", kty: ktyEC, hash: crypto.SHA384, curve: "P-384"},
	{name: "ES512", kty: ktyEC, hash: crypto.SHA512, curve: "P-521"},
	{name: "EdDSA", kty: ktyOKP, curve: "Ed25519"},
	{name: "HS256", kty: ktyOct, hash: crypto.SHA256},
	{name: "HS384", kty: ktyOct, hash: crypto.SHA384},
	{name: "HS512", kty: ktyOct, hash: crypto.SHA512},
}

// algorithms maps the exact (case-sensitive) JWA name to the algorithm.
var algorithms = func() map[string]*algorithm {
	m := make(map[string]*algorithm, len(algorithmList))
	for i, a := range algorithmList {
		a.bit = 1 << i
		m[a.name] = a
	}
	return m
}()

// allAlgorithms is the set of every supported algorithm.
var allAlgorithms = algSet(1<<len(algorithmList) - 1)

// errSignature is returned when a signature does not verify.
var errSignature = errors.New("signature does not verify")

// sigSize is the exact signature length alg produces with key: checked before any math.
func sigSize(a *algorithm, k *Key) int {
	switch a.kty {
	case ktyRSA:
		return k.rsa.Size()
	case ktyEC:
		return 2 * ((k.ec.Curve.Params().BitSize + 7) / 8)
	case ktyOKP:
		return ed25519.SignatureSize
	default:
		return a.hash.Size()
	}
}

// verify checks sig over input with key k under algorithm a. The caller has already checked that
// k accepts a and that len(sig) == sigSize(a, k). Verification uses no randomness.
func verify(a *algorithm, k *Key, input string, sig []byte) error {
	switch a.kty {
	case ktyOKP:
		if !ed25519.Verify(k.ed, []byte(input), sig) {
			return errSignature
		}
		return nil
	case ktyOct:
		mac := hmac.New(a.hash.New, k.secret)
		mac.Write([]byte(input))
		if !hmac.Equal(mac.Sum(nil), sig) {
			return errSignature
		}
		return nil
	}
	h := a.hash.New()
	h.Write([]byte(input))
	digest := h.Sum(nil)
	switch {
	case a.kty == ktyEC:
		// JWS ECDSA signatures are raw R||S, each exactly half the signature (RFC 7518 §3.4);
		// ecdsa.Verify rejects r or s outside [1, N-1].
		half := len(sig) / 2
		r := new(big.Int).SetBytes(sig[:half])
		s := new(big.Int).SetBytes(sig[half:])
		if !ecdsa.Verify(k.ec, digest, r, s) {
			return errSignature
		}
	case a.pss:
		// RFC 7518 §3.5: the salt is as long as the hash; any other length is rejected.
		if rsa.VerifyPSS(k.rsa, a.hash, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) != nil {
			return errSignature
		}
	default:
		if rsa.VerifyPKCS1v15(k.rsa, a.hash, digest, sig) != nil {
			return errSignature
		}
	}
	return nil
}
