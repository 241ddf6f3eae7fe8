package sanitize

import (
	"errors"
	"html"
	"strings"
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
	text   string // decoded, NFKC (case preserved: libinjection folds case itself)
	folded string // text in ASCII lower case
}

// normalize runs the pipeline on raw and always returns the decoded value, for the detectors.
// The error reports what was wrong with the encoding on the way (errMalformed, errOverlong,
// errNUL, several joined; test with errors.Is): it is a finding of its own, never a reason to
// skip inspection. Invalid escapes are kept literally, NUL bytes removed and overlong UTF-8
// decoded (cleanBytes).
func (n normalizer) normalize(raw string, enc encoding) (normalized, error) {
	s := raw
	var errs []error
	if enc != encNone {
		var malformed bool
		if s, malformed = percentDecode(raw, enc == encQuery); malformed {
			errs = append(errs, errMalformed)
		}
	}
	s, err := cleanBytes(s)
	errs = append(errs, err)
	for i := 0; i < n.maxIter; i++ {
		t := s
		if strings.IndexByte(t, '&') >= 0 {
			t = html.UnescapeString(t)
		}
		t, _ = percentDecode(t, false)
		if t == s {
			break
		}
		t, err = cleanBytes(t)
		errs = append(errs, err)
		s = t
	}
	if !isASCII(s) && utf8.ValidString(s) && !norm.NFKC.IsNormalString(s) {
		if t := norm.NFKC.String(s); len(t) <= n.maxBytes {
			s = t
		}
	}
	return normalized{text: s, folded: lower(s)}, errors.Join(errs...)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
