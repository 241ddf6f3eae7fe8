package jwtauthn

import (
	"encoding/base64"
	"errors"
)

// errBase64 is returned for anything but canonical unpadded base64url.
var errBase64 = errors.New("not canonical base64url")

// decodeSegment decodes one compact-serialization segment. Only canonical unpadded base64url is
// accepted (RFC 7515 §2): no padding, no whitespace or line breaks (which encoding/base64 would
// silently skip), no other alphabet, and no non-zero unused trailing bits.
func decodeSegment(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return nil, errBase64
		}
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errBase64
	}
	return b, nil
}
