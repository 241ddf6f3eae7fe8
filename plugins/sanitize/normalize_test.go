package sanitize

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizePipeline(t *testing.T) {
	n := normalizer{maxIter: 2, maxBytes: 64}
	for _, tc := range []struct {
		name, in string
		enc      encoding
		want     string
		err      error
	}{
		{"query plus is a space", "a+b%20c", encQuery, "a b c", nil},
		{"path plus stays", "a+b", encURL, "a+b", nil},
		{"double encoding undone", "%253Cb%253E", encQuery, "<b>", nil},
		{"iterations are bounded: first layer + 2 rounds", "%252525253C", encQuery, "%253C", nil},
		{"html entities decoded", "&lt;x&#62;", encNone, "<x>", nil},
		{"fullwidth folded by NFKC", "＜ｓ＞", encNone, "<s>", nil},
		{"NFKC skipped past maxBytes", strings.Repeat("ﷺ", 4), encNone, strings.Repeat("ﷺ", 4), nil},
		{"malformed escape kept literally and reported", "100%zz", encQuery, "100%zz", errMalformed},
		{"lone percent kept, rest decoded", "%<%3Cb%3E", encQuery, "%<<b>", errMalformed},
		{"lenient inner layers keep stray percent", "100%2525", encQuery, "100%", nil},
		{"overlong UTF-8 decoded and reported", "%c0%ae", encURL, ".", errOverlong},
		{"double-encoded overlong", "%25c0%25ae", encURL, ".", errOverlong},
		{"NUL in an inner layer removed and reported", "a%2500b", encQuery, "ab", errNUL},
		{"Latin-1 byte is not overlong", "caf%E9", encQuery, "caf\xe9", nil},
		{"lone C1 lead byte is Latin-1", "%C1rbol", encQuery, "\xc1rbol", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := n.normalize(tc.in, tc.enc)
			if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) || v.text != tc.want {
				t.Fatalf("normalize(%q) = %q, %v; want %q, %v", tc.in, v.text, err, tc.want, tc.err)
			}
		})
	}
}
