package jwtauthn

import (
	"errors"
	"strings"
)

// Token errors, each mapped to a reason word (see reasons.go).
var (
	errTooLarge      = errors.New("token larger than the provider's maxTokenBytes")
	errMalformed     = errors.New("malformed token")
	errAlgNone       = errors.New(`alg "none" is never accepted`)
	errAlgNotAllowed = errors.New("alg not allowed for this provider")
	errCrit          = errors.New("crit names an extension this verifier does not understand")
	errUnknownKid    = errors.New("no key for this kid and alg")
	errKeyMismatch   = errors.New("the key does not accept this alg")
	errBadTyp        = errors.New("typ says the token is not an access token this provider accepts")
)

// token is a parsed JWS compact serialization (RFC 7515 §7.1) whose signature is not yet checked.
type token struct {
	alg          *algorithm
	kid          string
	hasKid       bool
	typ          string // normalized (normalizeTyp); "" when absent
	signingInput string // header.payload, as received
	payloadB64   string
	payload      []byte
	sig          []byte
}

// parseToken does every check that needs no key and no signature math: size, shape, canonical
// base64url, a strict header (no duplicate members, exact-case names), alg in allowed and never
// "none", no crit. The header's jku, jwk, x5u, x5c and x5t are never read: keys come only from
// the provider's configured key source.
func parseToken(raw string, maxBytes int, allowed algSet) (*token, error) {
	if len(raw) > maxBytes {
		return nil, errTooLarge
	}
	h, rest, ok := strings.Cut(raw, ".")
	if !ok {
		return nil, errMalformed
	}
	p, s, ok := strings.Cut(rest, ".")
	if !ok || strings.IndexByte(s, '.') >= 0 || h == "" {
		return nil, errMalformed
	}
	hb, err := decodeSegment(h)
	if err != nil {
		return nil, errMalformed
	}
	hdr, err := parseObject(hb)
	if err != nil {
		return nil, errMalformed
	}
	alg, ok, err := hdr.str("alg")
	if err != nil || !ok {
		return nil, errMalformed
	}
	if strings.EqualFold(alg, "none") {
		return nil, errAlgNone
	}
	t := &token{alg: algorithms[alg], signingInput: raw[:len(h)+1+len(p)], payloadB64: p}
	if t.alg == nil || !allowed.has(t.alg) {
		return nil, errAlgNotAllowed
	}
	if hdr.has("crit") {
		return nil, errCrit // no extension is understood, so any crit is unknown (RFC 7515 §4.1.11)
	}
	if hdr.has("b64") {
		return nil, errCrit // RFC 7797 unencoded payloads require crit
	}
	if t.kid, t.hasKid, err = hdr.str("kid"); err != nil {
		return nil, errMalformed
	}
	typ, hasTyp, err := hdr.str("typ")
	if err != nil {
		return nil, errMalformed
	}
	if t.typ = normalizeTyp(typ); hasTyp && t.typ == "" {
		return nil, errBadTyp // "" stands for an absent typ only
	}
	if t.payload, err = decodeSegment(p); err != nil {
		return nil, errMalformed
	}
	if t.sig, err = decodeSegment(s); err != nil || len(t.sig) == 0 {
		return nil, errMalformed
	}
	return t, nil
}

// candidates returns the keys that may have signed t: the key named by kid; else (no kid in
// the token, or a kid no key carries) every key without a kid that accepts t's alg, and without
// a token kid every key accepting it. The key decides: a kid whose key does not accept alg fails.
func (ks *KeySet) candidates(t *token) ([]*Key, error) {
	if ks == nil {
		return nil, errUnknownKid
	}
	if k := ks.byKid[t.kid]; t.hasKid && k != nil {
		if !k.algs.has(t.alg) {
			return nil, errKeyMismatch
		}
		return []*Key{k}, nil
	}
	var out []*Key
	for _, k := range ks.keys {
		if k.algs.has(t.alg) && (!t.hasKid || !k.hasKid) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, errUnknownKid
	}
	return out, nil
}

// verifySignature checks t's signature against keys. The signature length must be exactly what
// the algorithm and key produce (raw R||S of the curve's size for ECDSA, the modulus size for
// RSA) before any math runs.
func verifySignature(t *token, keys []*Key) error {
	for _, k := range keys {
		if len(t.sig) == sigSize(t.alg, k) && verify(t.alg, k, t.signingInput, t.sig) == nil {
			return nil
		}
	}
	return errSignature
}

// typSet is the typ header values (normalized) a provider accepts. RFC 8725 §3.11: explicit
// typing keeps a token of one kind (an ID token, a logout or security event token, a DPoP proof)
// from being accepted as another; RFC 9068 types access tokens "at+jwt".
type typSet []string

// defaultTyps: no typ, "JWT" (RFC 7519 §5.1) and "at+jwt" (RFC 9068 §2.1); the
// "application/" forms are the same after normalizeTyp.
var defaultTyps = typSet{"", "jwt", "at+jwt"}

func (ts typSet) allows(typ string) bool {
	for _, t := range ts {
		if t == typ {
			return true
		}
	}
	return false
}

// normalizeTyp compares typ values as RFC 7515 §4.1.9 says: media types are case-insensitive
// and "application/" may be omitted.
func normalizeTyp(typ string) string {
	typ = strings.ToLower(strings.TrimSpace(typ))
	return strings.TrimPrefix(typ, "application/")
}
