package sanitize

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Decoding problems, reported by normalize (possibly several, joined) and mapped to rule ids by
// scan.value. None of them stops inspection: the value is decoded leniently and inspected.
var (
	// errMalformed: a '%' not followed by two hex digits in a first-layer URL encoding.
	errMalformed = errors.New("malformed percent-encoding")
	// errOverlong: an overlong UTF-8 sequence (C0/C1 followed by a continuation byte, E0 80-9F,
	// F0 80-8F), the classic way to smuggle '/' or '.' past a filter.
	errOverlong = errors.New("overlong UTF-8")
	// errNUL: a NUL byte in a value.
	errNUL = errors.New("NUL byte")
)

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// percentDecode decodes %XX and %uXXXX (IIS) escapes, and '+' as a space when plus is set, like
// ModSecurity's t:urlDecodeUni: a '%' that starts no escape is kept literally. malformed reports
// a '%' not followed by two hex digits (%uXXXX included: it is no standard escape). The result
// is never longer than s; it allocates only when s has something to decode. Bytes that are not
// UTF-8 (Latin-1 "%E9") are kept as they are.
func percentDecode(s string, plus bool) (out string, malformed bool) {
	if strings.IndexByte(s, '%') < 0 && (!plus || strings.IndexByte(s, '+') < 0) {
		return s, false
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+' && plus:
			b = append(b, ' ')
		case c == '%':
			if i+2 < len(s) {
				hi, ok1 := unhex(s[i+1])
				lo, ok2 := unhex(s[i+2])
				if ok1 && ok2 {
					b = append(b, hi<<4|lo)
					i += 2
					continue
				}
			}
			malformed = true
			if i+5 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') {
				if r, ok := hex4(s[i+2 : i+6]); ok {
					b = utf8.AppendRune(b, r)
					i += 5
					continue
				}
			}
			b = append(b, c)
		default:
			b = append(b, c)
		}
	}
	return string(b), malformed
}

func hex4(s string) (rune, bool) {
	var r rune
	for i := 0; i < 4; i++ {
		v, ok := unhex(s[i])
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

// cleanBytes removes NUL bytes from s and decodes overlong UTF-8 sequences to the characters
// they encode (C0 AE is '.'), so the detectors see what a lenient decoder downstream would. It
// reports what it found as errNUL and errOverlong (joined). A C0 or C1 byte not followed by a
// continuation byte is Latin-1 text ("%C1" is "Á"), not an overlong sequence, and is kept.
func cleanBytes(s string) (string, error) {
	var nul, overlong bool
	for i := 0; i < len(s) && !(nul && overlong); i++ {
		switch c := s[i]; {
		case c == 0:
			nul = true
		case (c == 0xC0 || c == 0xC1) && isCont(at(s, i+1)),
			c == 0xE0 && at(s, i+1) >= 0x80 && at(s, i+1) <= 0x9F,
			c == 0xF0 && at(s, i+1) >= 0x80 && at(s, i+1) <= 0x8F:
			overlong = true
		}
	}
	if !nul && !overlong {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c, r, n := s[i], rune(-1), 0
		switch {
		case (c == 0xC0 || c == 0xC1) && isCont(at(s, i+1)):
			r, n = rune(c&0x1F)<<6|rune(at(s, i+1)&0x3F), 1
		case c == 0xE0 && isCont(at(s, i+1)) && isCont(at(s, i+2)) && at(s, i+1) <= 0x9F:
			r, n = rune(at(s, i+1)&0x3F)<<6|rune(at(s, i+2)&0x3F), 2
		case c == 0xF0 && isCont(at(s, i+1)) && isCont(at(s, i+2)) && isCont(at(s, i+3)) && at(s, i+1) <= 0x8F:
			r, n = rune(at(s, i+1)&0x3F)<<12|rune(at(s, i+2)&0x3F)<<6|rune(at(s, i+3)&0x3F), 3
		}
		switch {
		case c == 0 || r == 0: // an overlong NUL is a NUL too
			nul = true
		case r > 0:
			b = utf8.AppendRune(b, r)
		default:
			b = append(b, c)
		}
		i += n
	}
	var errs []error
	if nul {
		errs = append(errs, errNUL)
	}
	if overlong {
		errs = append(errs, errOverlong)
	}
	return string(b), errors.Join(errs...)
}

// isCont reports a UTF-8 continuation byte.
func isCont(c byte) bool { return c >= 0x80 && c <= 0xBF }
