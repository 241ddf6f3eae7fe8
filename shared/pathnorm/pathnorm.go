// Package pathnorm turns a request path and host into the one form every policy matches on, so
// that spellings an upstream treats as the same resource ("//admin", "/%61dmin",
// "/public/../admin", "/admin;x", "/admin.", "API.example.com.:443") cannot slip past a rule.
// It is pure Go (no host access, no allocation for a path that is already normal) and never
// panics.
//
// Path normalizes in this order (docs/security.md says why each step exists):
//
//  1. The query (from the first '?') is set apart and returned unchanged. "" and "*" (CONNECT,
//     OPTIONS *) are returned unchanged; any other path must start with '/'.
//  2. Percent-escapes are decoded when they encode an unreserved character (RFC 3986 §2.3:
//     A-Z a-z 0-9 - . _ ~), so "%2e%2e" is "..". Other escapes stay encoded, with upper-case hex.
//     Ambiguous encodings, whose meaning differs between upstreams, are refused (ErrAmbiguous)
//     or, with Options.DecodeAmbiguous, decoded repeatedly and then normalized like the rest:
//     "%2F" (/), "%5C" (\), "%3B" (;), "%25" (%, double encoding) and '%' not followed by two
//     hex digits. A path that still decodes after MaxDecodeRounds rounds is refused.
//  3. Refused in either mode (ErrMalformed): control characters, raw or encoded ("%00",
//     "%0A"), and a raw space or '#' (not allowed in a request target): no normalized form of
//     them is safe. An encoded space or '#' ("%20", "%23") is data and stays encoded.
//  4. A backslash separates segments, as '/' does.
//  5. In each segment, path parameters are cut: from the first ';' to the segment's end
//     ("..;" is "..", "admin;x=1" is "admin").
//  6. Trailing dots are cut from segments other than "." and ".." ("admin." is "admin"); a
//     segment of three or more dots is then empty.
//  7. Empty segments are dropped (slashes merged), dot segments removed (RFC 3986 §5.2.4; ".."
//     at the root stays at the root). A path whose last segment was empty or a dot segment ends
//     with '/'.
//  8. With Options.FoldCase, ASCII letters are lower-cased (not the hex digits of an escape).
//
// The result starts with '/' and holds no "//", no "." or ".." segment, no segment ending in
// '.', no ';' and no backslash; Path is idempotent. Host lower-cases an authority and strips
// its port and one trailing dot.
package pathnorm

import (
	"errors"
	"strings"
)

// ErrAmbiguous reports an encoding whose meaning differs between upstreams ("%2F", "%5C",
// "%3B", "%25", an invalid escape). Options.DecodeAmbiguous decodes these instead.
var ErrAmbiguous = errors.New("pathnorm: ambiguous path encoding")

// ErrMalformed reports a path no option makes safe: not starting with '/', a control
// character (raw or percent-encoded), a raw space or '#', or (with Options.DecodeAmbiguous)
// more levels of encoding than MaxDecodeRounds decodes.
var ErrMalformed = errors.New("pathnorm: malformed path")

// MaxDecodeRounds bounds repeated decoding with Options.DecodeAmbiguous: "%252561" is "a"
// after three rounds (the fourth finds nothing left); a path still decoding in the last round
// is refused (ErrMalformed).
const MaxDecodeRounds = 4

// Options select how Path treats what the proxy may not have normalized. The zero value is the
// safe default: refuse ambiguous encodings, compare case-sensitively.
type Options struct {
	// DecodeAmbiguous decodes ambiguous encodings and normalizes the result instead of
	// refusing the path with ErrAmbiguous.
	DecodeAmbiguous bool
	// FoldCase lower-cases ASCII letters, for upstreams that look paths up case-insensitively.
	FoldCase bool
}

// Path returns the normalized form of target (a request's :path) under o, or ErrAmbiguous or
// ErrMalformed (compare with errors.Is). See the package doc for the steps. A target that is
// already normal is returned as is, without allocating.
func Path(target string, o Options) (string, error) {
	p, query := target, ""
	if i := strings.IndexByte(target, '?'); i >= 0 {
		p, query = target[:i], target[i:]
	}
	if p == "" || p == "*" {
		return target, nil
	}
	if p[0] != '/' {
		return "", ErrMalformed
	}
	if isNormal(p, o.FoldCase) {
		return target, nil
	}
	d, err := decode(p, o)
	if err != nil {
		return "", err
	}
	return string(resolve(d, o.FoldCase, len(query))) + query, nil
}

// Host returns authority (host[:port] or [v6]:port) lower-cased (ASCII), without its port and
// without one trailing dot: "API.example.com.:8443" is "api.example.com". IPv6 literals keep
// their brackets. It allocates only when there is an upper-case letter to fold.
func Host(authority string) string {
	h := authority
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i >= 0 {
			h = h[:i+1]
		}
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	for i := 0; i < len(h); i++ {
		if isUpper(h[i]) {
			b := []byte(h)
			for j := i; j < len(b); j++ {
				b[j] = lower(b[j])
			}
			return string(b)
		}
	}
	return h
}

// isNormal reports whether p (starting with '/') needs no work: the fast path.
func isNormal(p string, fold bool) bool {
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '%' || c == '\\' || c == ';' || c == '#' || c == ' ' || c < 0x20 || c == 0x7f:
			return false
		case c == '/' && i+1 < len(p) && p[i+1] == '/':
			return false
		case c == '.' && (i+1 == len(p) || p[i+1] == '/'): // "." or ".." segment, or a trailing dot
			return false
		case fold && isUpper(c):
			return false
		}
	}
	return true
}

// decode applies steps 2 and 3: one round, or with o.DecodeAmbiguous rounds until nothing is
// left to decode.
func decode(p string, o Options) ([]byte, error) {
	out, changed, err := decodeRound(p, o, make([]byte, 0, len(p)))
	for round := 1; err == nil && changed && o.DecodeAmbiguous; round++ {
		if round == MaxDecodeRounds {
			return nil, ErrMalformed
		}
		var next []byte
		next, changed, err = decodeRound(string(out), o, make([]byte, 0, len(out)))
		out = next
	}
	return out, err
}

// decodeRound decodes p's escapes once into dst. changed reports that an escape was decoded
// (a new escape may have formed: "%2561" gives "%61").
func decodeRound(p string, o Options, dst []byte) (out []byte, changed bool, err error) {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c < 0x20 || c == 0x7f || c == ' ' || c == '#' {
			return nil, false, ErrMalformed
		}
		if c != '%' {
			dst = append(dst, c)
			continue
		}
		if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
			if !o.DecodeAmbiguous {
				return nil, false, ErrAmbiguous
			}
			dst = append(dst, '%') // a literal '%'
			continue
		}
		b := unhex(p[i+1])<<4 | unhex(p[i+2])
		switch {
		case b < 0x20 || b == 0x7f:
			return nil, false, ErrMalformed
		case isUnreserved(b):
			dst, changed = append(dst, b), true
		case b == '/' || b == '\\' || b == ';' || b == '%':
			if !o.DecodeAmbiguous {
				return nil, false, ErrAmbiguous
			}
			dst, changed = append(dst, b), true
		default:
			dst = append(dst, '%', upper(p[i+1]), upper(p[i+2]))
		}
		i += 2
	}
	return dst, changed, nil
}

// resolve applies steps 4 to 8 to a decoded path. extra is room to leave for the query.
func resolve(d []byte, fold bool, extra int) []byte {
	out := make([]byte, 0, len(d)+1+extra)
	dirTail := false // the last segment was empty or a dot segment: end with '/'
	for start := 0; start < len(d); {
		end := start
		for end < len(d) && d[end] != '/' && d[end] != '\\' {
			end++
		}
		seg := d[start:end]
		start = end + 1
		if j := indexByte(seg, ';'); j >= 0 {
			seg = seg[:j]
		}
		switch string(seg) {
		case "", ".":
			dirTail = true
			continue
		case "..":
			out = out[:max(0, lastSlash(out))]
			dirTail = true
			continue
		}
		for len(seg) > 0 && seg[len(seg)-1] == '.' {
			seg = seg[:len(seg)-1]
		}
		if len(seg) == 0 { // "...": nothing left, as "."
			dirTail = true
			continue
		}
		out = append(out, '/')
		n := len(out)
		out = append(out, seg...)
		if fold {
			foldSegment(out[n:])
		}
		dirTail = false
	}
	if last := d[len(d)-1]; len(out) == 0 || dirTail || last == '/' || last == '\\' {
		out = append(out, '/')
	}
	return out
}

// Fold lower-cases the ASCII letters of a path as Options.FoldCase does, leaving the hex digits
// of escapes upper-case: a pattern compared with folded paths must be folded by it.
func Fold(p string) string {
	for i := 0; i < len(p); i++ {
		if isUpper(p[i]) {
			b := []byte(p)
			foldSegment(b)
			return string(b)
		}
	}
	return p
}

// foldSegment lower-cases ASCII letters in place, except the hex digits of an escape.
func foldSegment(s []byte) {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			i += 2
			continue
		}
		s[i] = lower(s[i])
	}
}

func indexByte(s []byte, c byte) int {
	for i, b := range s {
		if b == c {
			return i
		}
	}
	return -1
}

func lastSlash(s []byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }

func lower(c byte) byte {
	if isUpper(c) {
		return c + 'a' - 'A'
	}
	return c
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}
