package mask

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"unicode"
	"unicode/utf8"
)

// Actions accepted in rules[].action.
const (
	actionRedact  = "redact"  // replace with the rule's replacement string
	actionPartial = "partial" // keep the last keepLast letters/digits, mask the others with '*'
	actionHMAC    = "hmac"    // replace with a keyed token: same value, same token
	actionDrop    = "drop"    // remove the member or array element
)

// Defaults of rule settings (documented in schema.json and docs/mask.md).
const (
	defaultAction      = actionRedact
	defaultReplacement = "[redacted]"
	defaultKeepLast    = 4
	defaultTokenPrefix = "tok_"
	defaultKeyEnv      = "WASMWARD_MASK_HMAC_KEY"
	// minKeyLen is the shortest HMAC key accepted: 32 bytes, the size of SHA-256's output.
	minKeyLen = 32
	// tokenBytes is how much of the HMAC-SHA256 a token keeps (128 bits, 32 hex digits).
	tokenBytes = 16
)

// tokenizer computes HMAC tokens with the key read at Start. It reuses one hash state: the
// glue calls a policy from one thread at a time.
type tokenizer struct {
	prefix string
	mac    hash.Hash // nil until Start read the key
	sum    []byte
}

func newTokenizer(prefix string, key []byte) *tokenizer {
	return &tokenizer{prefix: prefix, mac: hmac.New(sha256.New, key)}
}

// appendToken appends prefix + the first tokenBytes of HMAC-SHA256(key, value) in hex.
func (t *tokenizer) appendToken(dst []byte, value string) []byte {
	t.mac.Reset()
	t.mac.Write([]byte(value))
	t.sum = t.mac.Sum(t.sum[:0])
	dst = append(dst, t.prefix...)
	return hex.AppendEncode(dst, t.sum[:tokenBytes])
}

// appendPartial appends s with every letter and digit masked by '*' except the last keep ones;
// punctuation and spaces stay, so "4111 1111 1111 1111" becomes "**** **** **** 1111".
func appendPartial(dst []byte, s string, keep int) []byte {
	// ASCII text (most values) is copied in one move and its masked bytes overwritten: in Go on
	// Wasm that is far cheaper than decoding and appending rune by rune, which stays for any
	// other text (invalid UTF-8 then becomes U+FFFD, as before).
	alnum := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return appendPartialRunes(dst, s, keep)
		}
		if isAlnum(s[i]) {
			alnum++
		}
	}
	n := len(dst)
	dst = append(dst, s...)
	for i := n; alnum > keep; i++ {
		if isAlnum(dst[i]) {
			dst[i] = '*'
			alnum--
		}
	}
	return dst
}

// appendPartialRunes is appendPartial for any text, rune by rune.
func appendPartialRunes(dst []byte, s string, keep int) []byte {
	alnum := 0
	for _, r := range s {
		if isAlnumRune(r) {
			alnum++
		}
	}
	maskN := alnum - keep
	for _, r := range s {
		if maskN > 0 && isAlnumRune(r) {
			dst = append(dst, '*')
			maskN--
			continue
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

func isAlnumRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isAlnum(byte(r))
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}
