package sanitize

import (
	"errors"
	"html"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalizer is the bounded decoding pipeline run on every inspected value before detection:
//
//  1. the value's own encoding (URL encoding for query, form, path and cookies, lenient: a
//     malformed escape is kept literally and reported as bad_encoding),
//  2. up to maxIter rounds of HTML-entity decoding then lenient URL decoding (double encoding,
//     %uXXXX), stopping at the first round that changes nothing,
//  3. Unicode NFKC normalization (fullwidth and compatibility forms), skipped when the result
//     would exceed maxBytes,
//  4. case folding (ASCII lower case) for the path and command detectors.
//
// Every layer is checked for NUL bytes (removed) and overlong UTF-8 (decoded). Work is bounded by maxIter rounds of
// linear passes over a value the limits already bounded; no layer grows a value except NFKC,
// which is capped.
type normalizer struct {
	maxIter  int
	maxBytes int
}

// encoding is a value's first-layer encoding.
type encoding uint8

const (
	encNone  encoding = iota // headers, JSON strings: no protocol encoding
	encURL                   // path segments, cookies: %XX
	encQuery                 // query and form values: %XX and '+' for space
)

// normalized is a value after the pipeline.
type normalized struct {
	text   string  // decoded, NFKC (case preserved: libinjection folds case itself)
	folded string  // text in ASCII lower case
	bytes  byteSet // the bytes text holds, for the detectors' prefilters
	// words are the bits of the detectors' gates whose keywords folded contains, filled by
	// detect (gateMatcher).
	words uint64
}

// byteSet is the set of byte values a string holds, filled in one pass: the detectors ask it
// whether a value can match at all ('<', quotes, '(') instead of scanning it once per question.
type byteSet [4]uint64

// bytesOf returns the bytes s holds.
func bytesOf(s string) byteSet {
	var b byteSet
	for i := 0; i < len(s); i++ {
		c := s[i]
		b[c>>6] |= 1 << (c & 63)
	}
	return b
}

// has reports byte c.
func (b *byteSet) has(c byte) bool { return b[c>>6]&(1<<(c&63)) != 0 }

// hasAny reports any byte of chars.
func (b *byteSet) hasAny(chars string) bool {
	for i := 0; i < len(chars); i++ {
		if b.has(chars[i]) {
			return true
		}
	}
	return false
}

// intersects reports a byte of c.
func (b *byteSet) intersects(c *byteSet) bool {
	return b[0]&c[0]|b[1]&c[1]|b[2]&c[2]|b[3]&c[3] != 0
}

// hasAllLetters reports whether the set holds every byte of letters, a string of ASCII lower-case
// letters, in either case: a detector matching the folded value finds "fromcharcode" in
// "FROM CHAR CODE" too.
func (b *byteSet) hasAllLetters(letters string) bool {
	for i := 0; i < len(letters); i++ {
		if c := letters[i]; !b.has(c) && !b.has(c-'a'+'A') {
			return false
		}
	}
	return true
}

// nonASCII reports a byte of 0x80 or more.
func (b *byteSet) nonASCII() bool { return b[2]|b[3] != 0 }

// onlyWord reports a non-empty value of ASCII letters, digits and '_' only: one or two SQL
// tokens (a number and a word) that hold no operator, quote, comment or markup.
func (b *byteSet) onlyWord() bool {
	return *b != byteSet{} && b[0]&^wordBytes[0] == 0 && b[1]&^wordBytes[1] == 0 && !b.nonASCII()
}

// wordBytes is [A-Za-z0-9_], wordChars.
var wordBytes = bytesOf(wordChars)

// wordChars are the letters, digits and '_'.
const wordChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"

// upperBytes is [A-Z].
var upperBytes = bytesOf("ABCDEFGHIJKLMNOPQRSTUVWXYZ")

// mayNeedClean reports a NUL byte or a lead byte of an overlong UTF-8 sequence, what cleanBytes
// looks for.
func (b *byteSet) mayNeedClean() bool { return b.hasAny("\x00\xc0\xc1\xe0\xf0") }

// normalize runs the pipeline on raw and always returns the decoded value, for the detectors.
// The error reports what was wrong with the encoding on the way (errMalformed, errOverlong,
// errNUL, several joined; test with errors.Is): it is a finding of its own, never a reason to
// skip inspection. Invalid escapes are kept literally, NUL bytes removed and overlong UTF-8
// decoded (cleanBytes).
//
// Most values hold nothing to decode: one pass over the value (bytesOf) tells which layers can
// change it, and the others are skipped without scanning the value again.
func (n normalizer) normalize(raw string, enc encoding) (normalized, error) {
	s := raw
	set := bytesOf(s)
	var errs []error
	if enc != encNone && (set.has('%') || enc == encQuery && set.has('+')) {
		var malformed bool
		if s, malformed = percentDecode(raw, enc == encQuery); malformed {
			errs = append(errs, errMalformed)
		}
		set = bytesOf(s)
	}
	if set.mayNeedClean() {
		var err error
		if s, err = cleanBytes(s); err != nil {
			errs = append(errs, err)
		}
		set = bytesOf(s)
	}
	for i := 0; i < n.maxIter && (set.has('%') || set.has('&')); i++ {
		t := s
		if set.has('&') {
			t = html.UnescapeString(t)
		}
		t, _ = percentDecode(t, false)
		if t == s {
			break
		}
		t, err := cleanBytes(t)
		if err != nil {
			errs = append(errs, err)
		}
		s, set = t, bytesOf(t)
	}
	if set.nonASCII() && utf8.ValidString(s) && !norm.NFKC.IsNormalString(s) {
		if t := norm.NFKC.String(s); len(t) <= n.maxBytes {
			s, set = t, bytesOf(t)
		}
	}
	v := normalized{text: s, folded: s, bytes: set}
	if set[1]&upperBytes[1] != 0 {
		v.folded = lower(s)
	}
	return v, errors.Join(errs...)
}
