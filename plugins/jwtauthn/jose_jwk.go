package jwtauthn

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"math/big"
)

// JWK and JWKS errors. Messages name the problem, never key material.
var (
	errKeySet       = errors.New("not a JWK set")
	errDuplicateKid = errors.New("two keys share a kid")
	errMixedKeySet  = errors.New("symmetric and asymmetric keys in one set")
	errSymmetric    = errors.New("symmetric (oct) key not allowed here")
	errPrivateKey   = errors.New("private key material in a public key set")
	errUnusableKey  = errors.New("key unusable")
)

// Key bounds.
const (
	minRSABits = 2048
	maxRSABits = 8192 // bounds the cost of one verification
	minHMACKey = 32   // bytes; HS384/HS512 need 48/64
	maxKeys    = 100  // per set
)

// Key is one verification key and the algorithms it accepts: the key, not the token header,
// decides what is acceptable (kty, crv, alg, use, key_ops).
type Key struct {
	kid    string
	hasKid bool
	algs   algSet
	rsa    *rsa.PublicKey
	ec     *ecdsa.PublicKey
	ed     ed25519.PublicKey
	secret []byte
}

// KeySet is an immutable set of verification keys. Kids are unique.
type KeySet struct {
	keys  []*Key
	byKid map[string]*Key
}

// newKeySet builds a set from keys, rejecting duplicate kids and symmetric keys mixed with
// asymmetric ones (an HS key next to public keys is the classic algorithm-confusion setup).
func newKeySet(keys []*Key) (*KeySet, error) {
	ks := &KeySet{keys: keys, byKid: make(map[string]*Key, len(keys))}
	var sym, asym bool
	for _, k := range keys {
		if k.secret != nil {
			sym = true
		} else {
			asym = true
		}
		if !k.hasKid {
			continue
		}
		if _, dup := ks.byKid[k.kid]; dup {
			return nil, errDuplicateKid
		}
		ks.byKid[k.kid] = k
	}
	if sym && asym {
		return nil, errMixedKeySet
	}
	return ks, nil
}

// Len is the number of keys.
func (ks *KeySet) Len() int {
	if ks == nil {
		return 0
	}
	return len(ks.keys)
}

// SkippedKey says why one key of a set was left out.
type SkippedKey struct {
	Index int
	Err   error
}

// parseJWKS parses a JWK set (RFC 7517 §5). Structural problems reject the whole set: malformed
// JSON, duplicate members, duplicate kids, symmetric keys when !allowSymmetric, symmetric mixed
// with asymmetric keys, private key material. Keys that are merely unusable (an encryption key,
// an unknown kty, RSA under 2048 bits, a point off its curve) are skipped and reported.
func parseJWKS(data []byte, allowSymmetric bool) (*KeySet, []SkippedKey, error) {
	obj, err := parseObject(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errKeySet, err)
	}
	raw, ok := obj.get("keys")
	if !ok {
		return nil, nil, fmt.Errorf("%w: no \"keys\" member", errKeySet)
	}
	list, err := objectArray(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: \"keys\" must be an array of objects", errKeySet)
	}
	if len(list) > maxKeys {
		return nil, nil, fmt.Errorf("%w: more than %d keys", errKeySet, maxKeys)
	}
	var keys []*Key
	var skipped []SkippedKey
	for i, o := range list {
		k, err := parseJWK(o, allowSymmetric)
		switch {
		case errors.Is(err, errPrivateKey), errors.Is(err, errSymmetric):
			return nil, nil, fmt.Errorf("keys[%d]: %w", i, err)
		case err != nil:
			skipped = append(skipped, SkippedKey{Index: i, Err: err})
		default:
			keys = append(keys, k)
		}
	}
	ks, err := newKeySet(keys)
	if err != nil {
		return nil, nil, err
	}
	return ks, skipped, nil
}

// privateMembers are JWK members that only private keys carry.
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth"}

// parseJWK parses one JWK (RFC 7517 §4, RFC 7518 §6, RFC 8037) into a verification key.
func parseJWK(o object, allowSymmetric bool) (*Key, error) {
	unusable := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", errUnusableKey, fmt.Sprintf(format, args...))
	}
	kty, _, err := o.str("kty")
	if err != nil || kty == "" {
		return nil, unusable("kty missing or not a string")
	}
	k := &Key{}
	if k.kid, k.hasKid, err = o.str("kid"); err != nil {
		return nil, unusable("kid is not a string")
	}
	if use, ok, err := o.str("use"); err != nil || ok && use != "sig" {
		return nil, unusable("use is not \"sig\"")
	}
	if ops, ok, err := o.strings("key_ops"); err != nil || ok && !verifyOp(ops) {
		return nil, unusable("key_ops does not allow \"verify\"")
	}
	if kty != ktyOct {
		for _, m := range privateMembers {
			if o.has(m) {
				return nil, errPrivateKey
			}
		}
	}
	crv, _, err := o.str("crv")
	if err != nil {
		return nil, unusable("crv is not a string")
	}
	switch kty {
	case ktyRSA:
		err = k.parseRSA(o)
	case ktyEC:
		err = k.parseEC(o, crv)
	case ktyOKP:
		err = k.parseOKP(o, crv)
	case ktyOct:
		if !allowSymmetric {
			return nil, errSymmetric
		}
		err = k.parseOct(o)
	default:
		return nil, unusable("unsupported kty")
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errUnusableKey, err)
	}
	// The algorithms the key material allows, narrowed to the key's "alg" when present.
	for _, a := range algorithmList {
		if a.kty == kty && (a.curve == "" || a.curve == crv) && (a.kty != ktyOct || len(k.secret) >= a.hash.Size()) {
			k.algs |= a.bit
		}
	}
	if alg, ok, err := o.str("alg"); err != nil {
		return nil, unusable("alg is not a string")
	} else if ok {
		a := algorithms[alg]
		if a == nil || !k.algs.has(a) {
			return nil, unusable("alg does not fit the key (kty, crv or length)")
		}
		k.algs = a.bit
	}
	if k.algs == 0 {
		return nil, unusable("no supported algorithm fits the key")
	}
	return k, nil
}

func verifyOp(ops []string) bool {
	seen := map[string]bool{}
	for _, op := range ops {
		if seen[op] {
			return false // RFC 7517 §4.3: duplicates are not allowed
		}
		seen[op] = true
	}
	return seen["verify"]
}

// member decodes a required base64url member.
func member(o object, name string) ([]byte, error) {
	s, ok, err := o.str(name)
	if err != nil || !ok {
		return nil, fmt.Errorf("%s missing or not a string", name)
	}
	b, err := decodeSegment(s)
	if err != nil || len(b) == 0 {
		return nil, fmt.Errorf("%s is not canonical base64url", name)
	}
	return b, nil
}

func (k *Key) parseRSA(o object) error {
	n, err := member(o, "n")
	if err != nil {
		return err
	}
	e, err := member(o, "e")
	if err != nil {
		return err
	}
	if len(e) > 4 || e[0] == 0 {
		return errors.New("e out of range")
	}
	var ev int
	for _, b := range e {
		ev = ev<<8 | int(b)
	}
	if ev < 3 || ev > 1<<31-1 || ev%2 == 0 {
		return errors.New("e must be odd, at least 3 and below 2^31")
	}
	nv := new(big.Int).SetBytes(n)
	if bits := nv.BitLen(); bits < minRSABits || bits > maxRSABits {
		return fmt.Errorf("modulus of %d bits; %d to %d required", bits, minRSABits, maxRSABits)
	}
	if nv.Bit(0) == 0 {
		return errors.New("even modulus")
	}
	if rocaVulnerable(nv) {
		return errors.New("modulus has the ROCA fingerprint (CVE-2017-15361)")
	}
	k.rsa = &rsa.PublicKey{N: nv, E: ev}
	return nil
}

// curves maps JWK crv names to curves.
var curves = map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}

func (k *Key) parseEC(o object, crv string) error {
	c, ok := curves[crv]
	if !ok {
		return errors.New("unsupported crv")
	}
	size := (c.Params().BitSize + 7) / 8
	x, err := member(o, "x")
	if err != nil {
		return err
	}
	y, err := member(o, "y")
	if err != nil {
		return err
	}
	if len(x) != size || len(y) != size { // RFC 7518 §6.2.1.2: full length, always
		return errors.New("x or y is not the curve's size")
	}
	point := make([]byte, 0, 1+2*size)
	point = append(append(append(point, 4), x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(c, point)
	if err != nil {
		return errors.New("point is not on the curve")
	}
	k.ec = pub
	return nil
}

func (k *Key) parseOKP(o object, crv string) error {
	if crv != "Ed25519" {
		return errors.New("unsupported OKP crv (Ed25519 only)")
	}
	x, err := member(o, "x")
	if err != nil {
		return err
	}
	if len(x) != ed25519.PublicKeySize {
		return errors.New("x is not 32 bytes")
	}
	k.ed = ed25519.PublicKey(x)
	return nil
}

func (k *Key) parseOct(o object) error {
	secret, err := member(o, "k")
	if err != nil {
		return err
	}
	if len(secret) < minHMACKey {
		return fmt.Errorf("secret shorter than %d bytes", minHMACKey)
	}
	k.secret = secret
	return nil
}

// hmacKey builds a symmetric key from a secret (an environment variable), accepting algs.
func hmacKey(kid string, secret []byte, algs algSet) (*Key, error) {
	k := &Key{kid: kid, hasKid: kid != "", secret: secret}
	for _, a := range algorithmList {
		if a.kty == ktyOct && algs.has(a) && len(secret) >= a.hash.Size() {
			k.algs |= a.bit
		}
	}
	if k.algs == 0 {
		return nil, fmt.Errorf("secret shorter than the hash of every allowed HS algorithm (%d bytes minimum)", minHMACKey)
	}
	return k, nil
}
