package sanitize

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Decoding errors, mapped to rule ids by the callers.
var (
	// errMalformed: a '%' not followed by two hex digits in a first-layer URL encoding.
	errMalformed = errors.New("malformed percent-encoding")
	// errOverlong: an overlong UTF-8 sequence (C0/C1 lead bytes, E0 80-9F, F0 80-8F), the
	// classic way to smuggle '/' or '.' past a filter.
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

// percentDecode decodes %XX escapes (and '+' as a space when plus is set). strict rejects a '%'
// that does not start an escape with errMalformed; otherwise such a '%' is kept as is (inner
// layers of an already decoded value legitimately contain "100%"). It allocates only when s
// has something to decode. %uXXXX (IIS) escapes are decoded in lenient mode.
func percentDecode(s string, plus, strict bool) (string, error) {
	if strings.IndexByte(s, '%') < 0 && (!plus || strings.IndexByte(s, '+') < 0) {
		return s, nil
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
			if !strict && i+5 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') {
				if r, ok := hex4(s[i+2 : i+6]); ok {
					b = utf8.AppendRune(b, r)
					i += 5
					continue
				}
			}
			if strict {
				return "", errMalformed
			}
			b = append(b, c)
		default:
			b = append(b, c)
		}
	}
	return string(b), nil
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

// checkBytes reports an overlong UTF-8 sequence or a NUL byte in s.
func checkBytes(s string) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 0:
			return errNUL
		case c == 0xC0 || c == 0xC1:
			return errOverlong
		case c == 0xE0 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9F:
			return errOverlong
		case c == 0xF0 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x8F:
			return errOverlong
		}
	}
	return nil
}

// ruleOf maps a decoding error to its rule id.
func ruleOf(err error) string {
	if errors.Is(err, errNUL) {
		return RuleNulByte
	}
	return RuleBadEncoding
}
